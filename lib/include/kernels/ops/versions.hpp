#pragma once

// `kernels versions REPO`: the versions a kernel repo offers and, for each, the variants built for
// it and the one this system would use (reference/kernels-spec.md section 1.5).
//
// A version is a branch `v<N>` (the reference's current scheme, numeric order) or a tag
// `v<semver>` (the older scheme, PEP 440 order). The Hub is asked for the refs once, then for the
// `build` folder of every distinct commit in one batch.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/hub_types.hpp"
#include "kernels/model/system_info.hpp"
#include "kernels/model/variant_selection.hpp"

namespace kernels {

class HubClient;

enum class VersionKind { branch, tag };

// "branch" or "tag".
[[nodiscard]] std::string_view to_string(VersionKind kind);

// A branch or tag that names a version.
struct VersionRef {
  VersionKind kind = VersionKind::branch;
  std::string name;    // "v1", "v1.2.0"
  std::string commit;  // what the ref points to
};

// The refs that name versions: branches in numeric order, then tags in PEP 440 order (one ref per
// version, as branch_versions and tag_versions keep them). Other refs (main, v1.x) are left out.
[[nodiscard]] std::vector<VersionRef> version_refs(const RepoRefs& refs);

struct KernelVersion {
  VersionRef ref;
  // The folders under build/ at the commit, sorted; empty when the commit has no build/.
  std::vector<std::string> variants;
  // Every variant, decided for the system, in preference order.
  VariantSelection selection;
};

struct VersionsReport {
  RepoRef repo;  // with the type that answered
  std::vector<KernelVersion> versions;
  // Read from the cache (offline): versions are what its refs/ know, variants what was downloaded.
  bool from_cache = false;
};

// Lists the versions of `repo_id` and decides on their variants for `system`. Errors: the repo id
// is malformed (invalid_input), the repo does not exist (not_found), the Hub fails (network). A
// commit without a build/ folder is a version without variants, not an error.
[[nodiscard]] Result<VersionsReport> list_versions(const std::string& repo_id,
                                                   const SystemInfo& system, HubClient& hub);

// Offline: the versions the cache's refs/ record for `repo_id` (written by `kernels lock` and by
// the reference tool), each with the variants whose folders are in the cache's snapshot of its
// commit (the downloaded ones only). Errors: the repo id is malformed (invalid_input), the cache
// knows no version of it (not_found, saying to run online or lock first).
[[nodiscard]] Result<VersionsReport> list_cached_versions(const std::string& repo_id,
                                                          const SystemInfo& system,
                                                          const std::filesystem::path& cache_dir);

// The text form: one line per version, names padded to one width,
//   "v1      abc1234  torch210-cxx11-cpu-x86_64-linux (12 variants)"
//   "v1.0.0  abc1234  no variant for this system (3 variants)"
// and with `verbose` each version's trace below it (describe_trace, indented). A repo without
// versions gives the reference's "Repository does not support kernel versions: org/name".
[[nodiscard]] std::vector<std::string> describe_versions(const VersionsReport& report,
                                                         bool verbose);

}  // namespace kernels
