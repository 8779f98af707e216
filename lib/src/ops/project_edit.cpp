#include "kernels/ops/project_edit.hpp"

#include <limits>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "kernels/model/specifier.hpp"
#include "kernels/model/version_resolution.hpp"
#include "kernels/util/atomic_file.hpp"
#include "kernels/util/text_file.hpp"

namespace kernels {
namespace {

namespace fs = std::filesystem;

bool no_config_file(const fs::path& project_dir) {
  std::error_code ec;
  return fs::is_directory(project_dir, ec) && !fs::exists(project_dir / "kernels.toml", ec) &&
         !fs::exists(project_dir / "pyproject.toml", ec);
}

// The file and its bytes, for a project that has a config.
Result<ConfigFileEdit> existing_config(const ProjectConfig& config) {
  ConfigFileEdit plan;
  plan.path = config.path;
  plan.format = config.format;
  auto text = read_text_file(plan.path, kMaxProjectConfigBytes);
  if (!text) return tl::unexpected(std::move(text.error()));
  plan.original = std::move(*text);
  return plan;
}

// Where the bytes go: the target of a symbolic link, so that the link stays a link.
fs::path write_target(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_symlink(path, ec)) return path;
  const fs::path target = fs::canonical(path, ec);
  return ec ? path : target;
}

Result<void> write_keeping_mode(const fs::path& path, std::string_view text) {
  const fs::path target = write_target(path);
  std::error_code ec;
  const auto status = fs::status(target, ec);
  const bool existed = !ec && fs::exists(status);
  AtomicFileOptions options;
  if (existed) options.mode = static_cast<unsigned int>(status.permissions() & fs::perms::mask);
  if (auto written = write_file_atomically(target, text, options); !written) return written;
  // The new file's mode went through the umask; give the old file's bits back exactly.
  if (existed) fs::permissions(target, status.permissions() & fs::perms::mask, ec);
  return {};
}

}  // namespace

Result<std::optional<Requirement>> requirement_from_ref(const KernelRef& ref) {
  if (ref.layer) {
    return fail(ErrorCode::usage,
                "'" + ref.repo_id + ":" + *ref.layer + "' names a layer; a dependency is a repo (" +
                    ref.repo_id + " or " + ref.repo_id +
                    "@VERSION): layers are chosen in the kernelize mapping, not here");
  }
  if (!ref.requirement) return std::optional<Requirement>();
  if (const auto* specifier = std::get_if<VersionSpecifier>(&*ref.requirement)) {
    if (auto parsed = parse_specifier_set(specifier->text); !parsed) {
      return fail(ErrorCode::usage,
                  "invalid version for '" + ref.repo_id + "': " + parsed.error().message);
    }
  }
  return std::optional<Requirement>(*ref.requirement);
}

Result<Requirement> newest_major_version(const RepoRefs& refs) {
  const auto branches = branch_versions(refs.branches);
  for (auto it = branches.rbegin(); it != branches.rend(); ++it) {
    // A branch `v-1` parses (Python's int() reads it) but is not a version a config can name.
    if (it->major >= 0 && it->major <= std::numeric_limits<int>::max()) {
      return MajorVersion{static_cast<int>(it->major)};
    }
  }
  const std::string& repo_id = refs.repo.repo_id;
  std::string tags;
  for (const TaggedVersion& tag : tag_versions(refs.tags)) {
    tags += tags.empty() ? "" : ", ";
    tags += tag.ref.name;
  }
  return fail(ErrorCode::not_found,
              "'" + repo_id + "' has no version branch (v1, v2, ...) to depend on" +
                  (tags.empty() ? std::string() : "; its version tags are " + tags) +
                  "; name a version: " + repo_id +
                  "@'>=X.Y' (tags v<X.Y...>) or a revision: " + repo_id + "@main",
              repo_id);
}

Result<ConfigFileEdit> plan_add_dependency(const fs::path& project_dir,
                                           const Dependency& dependency) {
  ConfigFileEdit plan;
  auto config = load_project_config(project_dir);
  if (config) {
    auto existing = existing_config(*config);
    if (!existing) return existing;
    plan = std::move(*existing);
  } else if (config.error().code == ErrorCode::not_found && no_config_file(project_dir)) {
    plan.path = project_dir / "kernels.toml";
    plan.format = ConfigFormat::kernels_toml;
  } else {
    return tl::unexpected(std::move(config.error()));
  }
  auto edit =
      set_dependency(plan.original.value_or(""), plan.format, plan.path.string(), dependency);
  if (!edit) return tl::unexpected(std::move(edit.error()));
  plan.edit = std::move(*edit);
  return plan;
}

Result<ConfigFileEdit> plan_remove_dependency(const fs::path& project_dir,
                                              std::string_view repo_id) {
  auto config = load_project_config(project_dir);
  if (!config) return tl::unexpected(std::move(config.error()));
  auto plan = existing_config(*config);
  if (!plan) return plan;
  auto edit = remove_dependency(*plan->original, plan->format, plan->path.string(), repo_id);
  if (!edit) return tl::unexpected(std::move(edit.error()));
  plan->edit = std::move(*edit);
  return plan;
}

Result<void> apply_config_edit(const ConfigFileEdit& edit) {
  if (!edit.changes_file()) return {};
  return write_keeping_mode(edit.path, edit.edit.text);
}

Result<void> revert_config_edit(const ConfigFileEdit& edit) {
  if (!edit.changes_file()) return {};
  if (edit.original) return write_keeping_mode(edit.path, *edit.original);
  std::error_code ec;
  if (!fs::remove(edit.path, ec) && ec) {
    return fail(ErrorCode::io, "cannot delete the file: " + ec.message(), edit.path.string());
  }
  return {};
}

}  // namespace kernels
