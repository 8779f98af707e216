#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/dependency.hpp"

namespace kernels {

// Which file a project's kernel dependencies come from.
enum class ConfigFormat {
  pyproject,     // pyproject.toml, table [tool.kernels.dependencies] (the reference's place)
  kernels_toml,  // kernels.toml, table [dependencies] (for projects that are not Python)
};

// A project configuration file larger than this is refused before it is parsed.
inline constexpr std::size_t kMaxProjectConfigBytes = std::size_t{16} * 1024 * 1024;

// The kernel dependencies of a project.
//
// A value in the dependency table is one of
//   "org/repo" = 1                       MajorVersion{1}: the Hub branch v1 (must be >= 0)
//   "org/repo" = ">=0.1.0,<0.2.0"        VersionSpecifier, the text kept as written
//   "org/repo" = { version = 1 }         the same as 1 (a string version is a specifier)
//   "org/repo" = { revision = "main" }   Revision: a branch, tag or commit sha
// A table needs exactly one of `version` and `revision` and no other key.
struct ProjectConfig {
  std::filesystem::path path;  // the file the dependencies were read from
  ConfigFormat format = ConfigFormat::pyproject;
  // Whether the file has the dependency table at all. A pyproject.toml without
  // [tool.kernels.dependencies] is a config with no dependencies, not an error (the reference
  // would crash on it); `kernels lock` can tell the user from this flag.
  bool declares_dependencies = false;
  std::vector<Dependency> dependencies;  // in the file's order: the lockfile keeps this order

  // The dependency on `repo_id`, or nullptr.
  [[nodiscard]] const Dependency* find(std::string_view repo_id) const;
};

// Parses the text of a pyproject.toml or kernels.toml. Other tables and keys of the file are
// ignored. Errors are ErrorCode::invalid_input with Error::location "<file_name>:<line>:<column>"
// of the offending key or value (TOML syntax, wrong value type, both or neither of
// version/revision, unknown key, invalid repo id, negative version, empty revision).
[[nodiscard]] Result<ProjectConfig> parse_project_config(std::string_view text, ConfigFormat format,
                                                         std::string_view file_name);

// Loads the project configuration of `project_dir`: the file that declares dependencies, among
// kernels.toml and pyproject.toml. When neither declares any, kernels.toml if it exists, else
// pyproject.toml (with no dependencies). Both declaring dependencies is an error that says which
// to keep; neither file existing is ErrorCode::not_found naming the directory and the fix.
[[nodiscard]] Result<ProjectConfig> load_project_config(const std::filesystem::path& project_dir);

}  // namespace kernels
