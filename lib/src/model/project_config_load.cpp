// Which file of a project holds its kernel dependencies, and reading it.

#include <optional>
#include <string>
#include <system_error>

#include "kernels/model/project_config.hpp"
#include "kernels/util/text_file.hpp"

namespace kernels {
namespace {

// The parsed file, or nullopt when it does not exist.
Result<std::optional<ProjectConfig>> load_if_present(const std::filesystem::path& file,
                                                     ConfigFormat format) {
  auto text = read_text_file(file, kMaxProjectConfigBytes);
  if (!text) {
    if (text.error().code == ErrorCode::not_found) return std::optional<ProjectConfig>();
    return tl::unexpected(std::move(text.error()));
  }
  auto config = parse_project_config(*text, format, file.string());
  if (!config) return tl::unexpected(std::move(config.error()));
  return std::optional<ProjectConfig>(std::move(*config));
}

}  // namespace

Result<ProjectConfig> load_project_config(const std::filesystem::path& project_dir) {
  const std::string dir = project_dir.string();
  std::error_code ec;
  if (!std::filesystem::exists(project_dir, ec)) {
    return fail(ErrorCode::not_found,
                "the project directory does not exist; pass an existing one with --project DIR",
                dir);
  }
  if (!std::filesystem::is_directory(project_dir, ec)) {
    return fail(ErrorCode::invalid_input,
                "this is not a directory; the project is the directory that holds kernels.toml or "
                "pyproject.toml",
                dir);
  }
  auto kernels_toml = load_if_present(project_dir / "kernels.toml", ConfigFormat::kernels_toml);
  if (!kernels_toml) return tl::unexpected(std::move(kernels_toml.error()));
  auto pyproject = load_if_present(project_dir / "pyproject.toml", ConfigFormat::pyproject);
  if (!pyproject) return tl::unexpected(std::move(pyproject.error()));

  std::optional<ProjectConfig>& ours = *kernels_toml;
  std::optional<ProjectConfig>& python = *pyproject;
  if (!ours && !python) {
    return fail(ErrorCode::not_found,
                "No kernels.toml or pyproject.toml found in: " + dir +
                    "; create kernels.toml with a [dependencies] table (for example "
                    "\"kernels-community/relu\" = 1), or add [tool.kernels.dependencies] to the "
                    "project's pyproject.toml",
                dir);
  }
  const bool ours_declares = ours && ours->declares_dependencies;
  const bool python_declares = python && python->declares_dependencies;
  if (ours_declares && python_declares) {
    return fail(ErrorCode::invalid_input,
                "both kernels.toml ([dependencies]) and pyproject.toml "
                "([tool.kernels.dependencies]) declare kernel dependencies; keep one: "
                "pyproject.toml for a Python project (the reference tool reads only that one), "
                "kernels.toml otherwise, and delete the other table",
                ours->path.string());
  }
  if (python_declares || !ours) return std::move(*python);
  return std::move(*ours);
}

}  // namespace kernels
