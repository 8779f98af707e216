#pragma once

// `kernels info REPO | PATH`: what a kernel says about itself (metadata.json) and which of its
// variants this system would use, with the reason for every other one
// (reference/kernels-spec.md section 1.4).
//
// From the Hub: the revision is resolved (the highest version branch by default, else main), the
// `build` folder is listed at its commit, and only the chosen variant's metadata.json is
// downloaded. From a directory: nothing touches the network.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/hub_types.hpp"
#include "kernels/model/dependency.hpp"
#include "kernels/model/local_build.hpp"
#include "kernels/model/metadata.hpp"
#include "kernels/model/system_info.hpp"
#include "kernels/model/variant_selection.hpp"

namespace kernels {

class HubClient;

struct KernelInfo {
  // Hub: the repo (with the type that answered), the revision as resolved ("v1", "main", a tag or
  // what the user gave) and its full commit.
  std::optional<RepoRef> repo;
  std::string revision;
  std::string commit;
  // Directory: the folder holding the variant folders.
  std::optional<std::filesystem::path> path;

  std::vector<std::string> variants;  // sorted
  VariantSelection selection;
  std::vector<std::string> backends;  // backends_of_variants(variants)
  // The metadata.json read, and the variant it belongs to: the chosen variant's, or when none
  // suits the system the most preferred one that has it.
  std::optional<KernelMetadata> metadata;
  std::string metadata_variant;
  // Why there is no metadata, or what else is worth a note.
  std::vector<std::string> warnings;
};

struct HubInfoRequest {
  std::string repo_id;
  // Nothing: the highest version branch, else main. MajorVersion: branch v<N>. VersionSpecifier:
  // the highest matching v<semver> tag. Revision: as it is.
  std::optional<Requirement> requirement;
  SystemInfo system;
};

// Errors: the repo, version or revision does not exist, or the revision has no build variants
// (not_found, "no build variants in org/name (revision: R)"); the Hub fails (network). A missing
// or malformed metadata.json is a warning, not an error.
[[nodiscard]] Result<KernelInfo> kernel_info_from_hub(const HubInfoRequest& request,
                                                      HubClient& hub);

// The same report for a local kernel (see find_local_build), without the network.
[[nodiscard]] Result<KernelInfo> kernel_info_from_directory(const std::filesystem::path& directory,
                                                            const SystemInfo& system);

}  // namespace kernels
