#pragma once

// Where the build variants of a kernel on disk are: `kernels info PATH`, `kernels check --abi
// PATH` and the loader's LOCAL_KERNELS all accept a checkout, its build/ folder or one variant
// folder.

#include <filesystem>
#include <string>
#include <vector>

#include "kernels/error.hpp"

namespace kernels {

// The variant folders of a local kernel.
struct LocalBuild {
  std::filesystem::path build_dir;    // the folder that holds them
  std::vector<std::string> variants;  // their names, sorted
};

// Finds the variant folders of `directory`: a checkout or build output (holding build/), a build/
// folder (one of its subfolders is named like a variant), or one variant folder (named like a
// variant). Hidden folders (".git") are skipped. Otherwise not_found, "no build variants in PATH".
[[nodiscard]] Result<LocalBuild> find_local_build(const std::filesystem::path& directory);

}  // namespace kernels
