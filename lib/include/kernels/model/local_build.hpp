#pragma once

// Where the build variants of a kernel on disk are: `kernels info PATH`, `kernels check --abi
// PATH` and the loader's LOCAL_KERNELS all accept a checkout, its build/ folder or one variant
// folder.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kernels/error.hpp"

namespace kernels {

// Where a local kernel's variant folders are, before they are listed.
struct LocalBuildLocation {
  std::filesystem::path build_dir;          // the folder that holds them
  std::optional<std::string> only_variant;  // set: `directory` was this one variant folder
};

// Which of the three shapes `directory` is: a checkout or build output (holding build/, whatever
// build/ holds), a folder with a subfolder named like a variant, or one variant folder. `kernels
// check --abi` lints what build/ holds from here; the others use find_local_build. Otherwise
// not_found, "no build variants in PATH".
[[nodiscard]] Result<LocalBuildLocation> locate_local_build(const std::filesystem::path& directory);

// The variant folders of a local kernel.
struct LocalBuild {
  std::filesystem::path build_dir;    // the folder that holds them
  std::vector<std::string> variants;  // their names, sorted
};

// Finds the variant folders of `directory`: a checkout or build output (holding build/), a build/
// folder (one of its subfolders is named like a variant), or one variant folder (named like a
// variant). Hidden folders (".git") are skipped. A build/ without subfolders, like anything else
// without a variant, is not_found, "no build variants in PATH".
[[nodiscard]] Result<LocalBuild> find_local_build(const std::filesystem::path& directory);

}  // namespace kernels
