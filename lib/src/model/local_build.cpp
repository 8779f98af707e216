#include "kernels/model/local_build.hpp"

#include <algorithm>
#include <system_error>

#include "kernels/model/variant.hpp"

namespace kernels {
namespace {

bool is_existing_directory(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_directory(path, error);
}

// The folders directly in `directory`, sorted, hidden ones left out.
std::vector<std::string> subdirectories(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with('.') && is_existing_directory(it->path())) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool any_variant_name(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(),
                     [](const std::string& name) { return parse_variant(name).has_value(); });
}

tl::unexpected<Error> no_variants_in(const std::filesystem::path& directory) {
  return fail(ErrorCode::not_found,
              "no build variants in " + directory.string() +
                  " (expected build/<variant>/ folders, a build/ folder or a variant folder)",
              directory.string());
}

}  // namespace

Result<LocalBuildLocation> locate_local_build(const std::filesystem::path& directory) {
  if (!is_existing_directory(directory)) {
    return fail(ErrorCode::not_found, directory.string() + " is not a directory",
                directory.string());
  }
  if (const auto build = directory / "build"; is_existing_directory(build)) {
    return LocalBuildLocation{build, std::nullopt};
  }
  if (any_variant_name(subdirectories(directory)))
    return LocalBuildLocation{directory, std::nullopt};
  std::error_code error;
  auto absolute = std::filesystem::absolute(directory, error).lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();  // "dir/" and "."
  std::string name = absolute.filename().string();
  if (!error && parse_variant(name))
    return LocalBuildLocation{absolute.parent_path(), std::move(name)};
  return no_variants_in(directory);
}

Result<LocalBuild> find_local_build(const std::filesystem::path& directory) {
  auto location = locate_local_build(directory);
  if (!location) return tl::unexpected(std::move(location.error()));
  if (location->only_variant) {
    return LocalBuild{std::move(location->build_dir), {std::move(*location->only_variant)}};
  }
  auto names = subdirectories(location->build_dir);
  if (names.empty()) return no_variants_in(directory);
  return LocalBuild{std::move(location->build_dir), std::move(names)};
}

}  // namespace kernels
