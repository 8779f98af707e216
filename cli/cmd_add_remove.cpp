// `kernels add` and `kernels remove`: edit the project config (keeping its comments and order),
// then lock. Either both happen or neither: when the lock fails, the config is put back.
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "kernels/hub/hub_client.hpp"
#include "kernels/model/repo_id.hpp"
#include "kernels/ops/lock.hpp"
#include "kernels/ops/project_edit.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "hub_from_cli.hpp"
#include "lock_report.hpp"

namespace kernels::cli {
namespace {

struct EditOptions {
  std::string kernel;
  bool no_lock = false;
};

constexpr const char* kTransactionHelp =
    "The file edited is the one `kernels lock` reads (kernels.toml or pyproject.toml); only the "
    "dependency's line changes, comments and order are kept. Then kernels.lock is updated. If "
    "locking fails, the config is put back as it was and the command changes nothing; --no-lock "
    "edits the config alone (run `kernels lock` later).";

nlohmann::json requirement_json(const std::optional<Requirement>& requirement) {
  if (!requirement) return nullptr;
  if (const auto* major = std::get_if<MajorVersion>(&*requirement)) {
    return {{"version", major->number}};
  }
  if (const auto* specifier = std::get_if<VersionSpecifier>(&*requirement)) {
    return {{"version", specifier->text}};
  }
  return {{"revision", std::get<Revision>(*requirement).name}};
}

std::string quoted_key(std::string_view repo_id) {
  std::string text = "\"";
  text += repo_id;
  text += '"';
  return text;
}

// "Added "org/relu" = 1 to kernels.toml", and the like.
std::string describe_edit(const ConfigFileEdit& plan, const Dependency& dependency) {
  const std::string file = plan.path.string();
  const std::string key = quoted_key(dependency.repo_id);
  const std::string value = toml_requirement_value(dependency.requirement);
  switch (plan.edit.change) {
    case DependencyChange::added:
      if (plan.creates_file()) return "Created " + file + " with " + key + " = " + value;
      return "Added " + key + " = " + value + " to " + file;
    case DependencyChange::updated:
      return "Updated " + key + " in " + file + ": " + toml_requirement_value(*plan.edit.previous) +
             " -> " + value;
    case DependencyChange::unchanged:
      return key + " = " + value + " is already in " + file;
    case DependencyChange::removed:
      return "Removed " + key + " (was " + toml_requirement_value(*plan.edit.previous) + ") from " +
             file;
  }
  return {};
}

// The --json document: the edit, and the lock's object (null under --no-lock).
nlohmann::json edit_json(const ConfigFileEdit& plan, const Dependency& dependency,
                         nlohmann::json lock_json) {
  const bool removing = plan.edit.change == DependencyChange::removed;
  return {{"config", plan.path.string()},
          {"created", plan.creates_file()},
          {"repo_id", dependency.repo_id},
          {"change", std::string(to_string(plan.edit.change))},
          {"requirement",
           removing ? nlohmann::json(nullptr) : requirement_json(dependency.requirement)},
          {"previous", requirement_json(plan.edit.previous)},
          {"lock", std::move(lock_json)}};
}

// The lock's error, saying what became of the config edit.
Error after_failed_lock(const ConfigFileEdit& plan, Error error) {
  if (!plan.changes_file()) return error;
  const std::string file = plan.path.string();
  if (auto reverted = revert_config_edit(plan); !reverted) {
    error.message += "; putting " + file + " back failed too (" + reverted.error().describe() +
                     "), so it keeps the edit: fix the problem and run `kernels lock`, or undo "
                     "the edit by hand";
    return error;
  }
  error.message += "; " + file +
                   (plan.creates_file() ? " was not created" : " was left as it was") +
                   " (--no-lock edits the config without locking)";
  return error;
}

// Writes the planned edit, locks unless --no-lock, and reports. `hub` is null under --no-lock.
Result<void> write_and_lock(const ConfigFileEdit& plan, const Dependency& dependency,
                            const Settings& settings, HubClient* hub, Context& context) {
  if (auto written = apply_config_edit(plan); !written) return written;
  nlohmann::json lock_json = nullptr;
  std::optional<LockOutcome> outcome;
  LockRequest request;
  request.project_dir = context.global.project_dir;
  request.cache_dir = settings.cache_dir.value;
  if (hub != nullptr) {
    auto locked = compute_lock(request, *hub);
    if (!locked) return tl::unexpected(after_failed_lock(plan, std::move(locked.error())));
    if (!locked->up_to_date()) {
      if (auto written = write_lock(request, *locked); !written) {
        return tl::unexpected(after_failed_lock(plan, std::move(written.error())));
      }
    }
    print_lock_warnings(context.out, *locked);
    lock_json =
        lock_outcome_json(*locked, lockfile_path(request.project_dir), !locked->up_to_date());
    outcome = std::move(*locked);
  }

  context.out.json_document(edit_json(plan, dependency, std::move(lock_json)).dump(2));
  context.out.line(describe_edit(plan, dependency));
  if (outcome) {
    print_lock_summary(context.out, *outcome, lockfile_path(request.project_dir));
  } else {
    context.out.line("Not locked (--no-lock): run `kernels lock` to update kernels.lock");
  }
  return {};
}

Result<void> run_add(const EditOptions& options, Context& context) {
  auto ref = parse_kernel_ref(options.kernel);
  if (!ref) return fail(ErrorCode::usage, ref.error().message);
  auto explicit_requirement = requirement_from_ref(*ref);
  if (!explicit_requirement) return tl::unexpected(explicit_requirement.error());
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());

  std::optional<HubClient> hub;
  if (!options.no_lock || !*explicit_requirement) {
    auto client = hub_client_from(*settings);
    if (!client) return tl::unexpected(client.error());
    hub.emplace(std::move(*client));
  }
  Dependency dependency{ref->repo_id, MajorVersion{}};
  if (*explicit_requirement) {
    dependency.requirement = **explicit_requirement;
  } else {
    // No version given: the newest version branch, as `uv add` takes the newest release.
    auto refs = hub->refs(RepoRef{ref->repo_id, RepoType::kernel});
    if (!refs) {
      Error error = std::move(refs.error());
      if (error.code == ErrorCode::network) {
        error.message +=
            "; without a version, `kernels add` asks the Hub for the newest version "
            "branch: give one (" +
            ref->repo_id + "@1) to skip that";
      }
      return tl::unexpected(std::move(error));
    }
    auto newest = newest_major_version(*refs);
    if (!newest) return tl::unexpected(newest.error());
    dependency.requirement = *newest;
  }

  auto plan = plan_add_dependency(context.global.project_dir, dependency);
  if (!plan) return tl::unexpected(plan.error());
  return write_and_lock(*plan, dependency, *settings, options.no_lock ? nullptr : &*hub, context);
}

Result<void> run_remove(const EditOptions& options, Context& context) {
  if (options.kernel.find_first_of("@:") != std::string::npos) {
    return fail(ErrorCode::usage, "'" + options.kernel +
                                      "': give only the repo id (org/name) of the dependency to "
                                      "remove, without @version or :Layer");
  }
  if (auto valid = validate_repo_id(options.kernel); !valid) {
    return fail(ErrorCode::usage, valid.error().message);
  }
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  std::optional<HubClient> hub;
  if (!options.no_lock) {
    auto client = hub_client_from(*settings);
    if (!client) return tl::unexpected(client.error());
    hub.emplace(std::move(*client));
  }
  auto plan = plan_remove_dependency(context.global.project_dir, options.kernel);
  if (!plan) return tl::unexpected(plan.error());
  const Dependency removed{options.kernel, *plan->edit.previous};
  return write_and_lock(*plan, removed, *settings, hub ? &*hub : nullptr, context);
}

}  // namespace

Command setup_add(CLI::App& app) {
  auto options = std::make_shared<EditOptions>();
  CLI::App* sub = app.add_subcommand("add", "Add a kernel dependency to the project, then lock");
  sub->add_option("kernel", options->kernel,
                  "ORG/NAME (its newest version branch, asked of the Hub), ORG/NAME@1 (version "
                  "branch v1), ORG/NAME@v2.1.0 (tag v2.1.0), ORG/NAME@'>=2.0,<3.0' (the highest "
                  "tag it allows) or ORG/NAME@REVISION (a branch, tag or commit)")
      ->required()
      ->type_name("REPO[@SPEC]");
  sub->add_flag("--no-lock", options->no_lock, "Only edit the config; do not lock");
  sub->footer(std::string(kTransactionHelp) +
              " A dependency already there gets the new requirement. With neither file, "
              "kernels.toml is created.\n\n"
              "Examples:\n"
              "  kernels add kernels-community/relu\n"
              "  kernels add kernels-community/activation@'>=0.1,<0.2'\n"
              "  kernels add org/kernel@main --no-lock");
  return Command{
      sub, [options](Context& context) -> Result<void> { return run_add(*options, context); }};
}

Command setup_remove(CLI::App& app) {
  auto options = std::make_shared<EditOptions>();
  CLI::App* sub =
      app.add_subcommand("remove", "Remove a kernel dependency from the project, then lock");
  sub->add_option("kernel", options->kernel, "The dependency to remove")
      ->required()
      ->type_name("REPO");
  sub->add_flag("--no-lock", options->no_lock, "Only edit the config; do not lock");
  sub->footer(std::string(kTransactionHelp) +
              " A repo that is not a dependency is an error (exit 6).");
  return Command{
      sub, [options](Context& context) -> Result<void> { return run_remove(*options, context); }};
}

}  // namespace kernels::cli
