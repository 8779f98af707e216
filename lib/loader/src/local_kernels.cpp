#include "local_kernels.hpp"

#include <algorithm>
#include <system_error>

#include "kernels/model/local_build.hpp"

namespace kernels::loader_detail {
namespace {

constexpr std::string_view kFormat = "repo_id_1=path_1:repo_id_2=path_2";

bool is_variant_folder(const std::filesystem::path& dir) {
  std::error_code error;
  if (std::filesystem::is_regular_file(dir / "metadata.json", error)) return true;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".so") return true;
  }
  return false;
}

}  // namespace

Result<LocalKernels> parse_local_kernels(std::string_view value) {
  LocalKernels kernels;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t end = std::min(value.find(':', start), value.size());
    const std::string_view entry = value.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    const std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos || equals == 0 || equals + 1 == entry.size()) {
      return fail(ErrorCode::usage, "Invalid LOCAL_KERNELS entry: " + std::string(entry) +
                                        ". Expected format: " + std::string(kFormat));
    }
    const std::string repo(entry.substr(0, equals));
    if (!kernels.emplace(repo, std::filesystem::path(std::string(entry.substr(equals + 1))))
             .second) {
      return fail(ErrorCode::usage,
                  "LOCAL_KERNELS names " + repo + " twice; keep one path per kernel");
    }
  }
  return kernels;
}

Result<LocalKernelFolders> inspect_local_kernel(const std::filesystem::path& path) {
  std::error_code not_a_folder;
  if (!std::filesystem::is_directory(path, not_a_folder)) {
    return fail(ErrorCode::not_found,
                "LOCAL_KERNELS path " + path.string() +
                    " is not a folder; give a kernel's repo folder, its build/ folder or a "
                    "variant folder");
  }
  if (is_variant_folder(path)) return LocalKernelFolders{path, {}, {}};
  auto build = find_local_build(path);
  if (!build) {
    Error error = std::move(build.error());
    error.message = "LOCAL_KERNELS: " + error.message;
    return tl::unexpected(std::move(error));
  }
  return LocalKernelFolders{{}, std::move(build->variants), std::move(build->build_dir)};
}

}  // namespace kernels::loader_detail
