#pragma once

// `kernels add` and `kernels remove` as use cases: what a kernel typed on the command line asks
// for, which file of the project to edit, the edit (model/config_edit.hpp), writing it, and
// putting the file back when the lock that follows fails.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/hub/hub_types.hpp"
#include "kernels/model/config_edit.hpp"
#include "kernels/model/dependency.hpp"
#include "kernels/model/kernel_ref.hpp"
#include "kernels/model/project_config.hpp"

namespace kernels {

// The requirement `kernels add` writes for an explicit `@SPEC`: `@1`/`@v1` MajorVersion{1},
// `@v2.1.0` "==2.1.0", `@>=2.0,<3.0` that specifier (checked with the specifier parser), anything
// else a Revision. Nothing when the ref has no `@`: the caller asks the Hub (newest_major_version).
// A `:Layer` suffix or a malformed specifier is ErrorCode::usage.
[[nodiscard]] Result<std::optional<Requirement>> requirement_from_ref(const KernelRef& ref);

// The highest version branch (`v<N>`) of a repo, as MajorVersion{N}. A repo without one is
// ErrorCode::not_found, naming its version tags when it has some, and saying what to type instead.
[[nodiscard]] Result<Requirement> newest_major_version(const RepoRefs& refs);

// An edit of a project's config file, planned but not yet written.
struct ConfigFileEdit {
  std::filesystem::path path;  // the file (created by the edit when `original` is empty)
  ConfigFormat format = ConfigFormat::kernels_toml;
  std::optional<std::string> original;  // the file's bytes before; nullopt: it does not exist
  ConfigEdit edit;

  [[nodiscard]] bool creates_file() const { return !original.has_value(); }
  [[nodiscard]] bool changes_file() const { return !original || *original != edit.text; }
};

// Plans adding (or updating) `dependency` in the file load_project_config reads for
// `project_dir`. When the directory has neither kernels.toml nor pyproject.toml, the plan creates
// kernels.toml. Writes nothing. Errors: those of load_project_config (except the missing config)
// and of set_dependency.
[[nodiscard]] Result<ConfigFileEdit> plan_add_dependency(const std::filesystem::path& project_dir,
                                                         const Dependency& dependency);

// Plans removing `repo_id`. A project without a config, or without that dependency, is
// ErrorCode::not_found. Writes nothing.
[[nodiscard]] Result<ConfigFileEdit> plan_remove_dependency(
    const std::filesystem::path& project_dir, std::string_view repo_id);

// Writes edit.text to the file atomically (nothing when it would not change), keeping the file's
// permission bits; a symbolic link is followed and its target replaced.
[[nodiscard]] Result<void> apply_config_edit(const ConfigFileEdit& edit);

// Puts the file back as it was before apply_config_edit: the original bytes, or no file.
[[nodiscard]] Result<void> revert_config_edit(const ConfigFileEdit& edit);

}  // namespace kernels
