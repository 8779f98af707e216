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

}  // namespace

Result<LocalBuild> find_local_build(const std::filesystem::path& directory) {
  const auto none = [&directory] {
    return fail(ErrorCode::not_found,
                "no build variants in " + directory.string() +
                    " (expected build/<variant>/ folders, a build/ folder or a variant folder)",
                directory.string());
  };
  if (!is_existing_directory(directory)) {
    return fail(ErrorCode::not_found, directory.string() + " is not a directory",
                directory.string());
  }
  if (const auto build = directory / "build"; is_existing_directory(build)) {
    auto names = subdirectories(build);
    if (names.empty()) return none();
    return LocalBuild{build, std::move(names)};
  }
  if (auto names = subdirectories(directory); any_variant_name(names)) {
    return LocalBuild{directory, std::move(names)};
  }
  std::error_code error;
  auto absolute = std::filesystem::absolute(directory, error).lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();  // "dir/" and "."
  const std::string name = absolute.filename().string();
  if (!error && parse_variant(name)) return LocalBuild{absolute.parent_path(), {name}};
  return none();
}

}  // namespace kernels
