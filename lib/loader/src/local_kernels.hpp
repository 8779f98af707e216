#pragma once

// LOCAL_KERNELS: development builds used instead of the lock and the cache
// (kernels-spec.md section 7.8): "org/a=/path/a:org/b=/path/b", split on ':', each entry on its
// first '='. A path is a kernel's repo folder (holding build/), its build/ folder (holding
// variant folders) or one variant folder (holding metadata.json or the library itself).

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"

namespace kernels::loader_detail {

using LocalKernels = std::map<std::string, std::filesystem::path, std::less<>>;

// Errors (ErrorCode::usage) name the entry and the expected format; a repo given twice too.
[[nodiscard]] Result<LocalKernels> parse_local_kernels(std::string_view value);

// What a LOCAL_KERNELS path holds: either one variant folder, or variant folders to choose from.
struct LocalKernelFolders {
  std::filesystem::path variant_dir;       // set when the path is a variant folder
  std::vector<std::string> variant_names;  // else: the variant folders under `build_dir`
  std::filesystem::path build_dir;
};
[[nodiscard]] Result<LocalKernelFolders> inspect_local_kernel(const std::filesystem::path& path);

}  // namespace kernels::loader_detail
