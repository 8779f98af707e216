// `kernels lock`: resolve the project's kernel dependencies and write kernels.lock.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/ops/lock.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "hub_from_cli.hpp"

namespace kernels::cli {
namespace {

// Every stage of the lock is one small metadata request per repo (ops/lock.hpp). With all of a
// stage's requests in flight at once, a stage costs one round trip whether it is for 1 repo or
// 30; at the download default of 8, locking 20 repos took three round trips per stage. Over
// HTTP/2 (the Hub) they share one connection anyway.
constexpr int kLockParallelRequests = 32;

struct LockOptions {
  bool check = false;
  std::vector<std::string> upgrade;
  std::string format;  // "", "hashes", "commits"
};

const char* change_kind(LockChange::Kind kind) {
  switch (kind) {
    case LockChange::Kind::added:
      return "added";
    case LockChange::Kind::removed:
      return "removed";
    case LockChange::Kind::updated:
      return "updated";
    case LockChange::Kind::unchanged:
      return "unchanged";
  }
  return "unchanged";
}

std::string outcome_json(const LockOutcome& outcome, const std::filesystem::path& path,
                         bool written) {
  nlohmann::json changes = nlohmann::json::array();
  for (const LockChange& change : outcome.changes) {
    changes.push_back({{"repo_id", change.repo_id},
                       {"change", change_kind(change.kind)},
                       {"old_sha", change.old_sha},
                       {"new_sha", change.new_sha},
                       {"kept_without_network", change.kept_without_network}});
  }
  return nlohmann::json{
      {"lockfile", path.string()},
      {"format", outcome.lockfile.format == LockFormat::variant_hashes ? "hashes" : "commits"},
      {"up_to_date", outcome.up_to_date()},
      {"written", written},
      {"changes", std::move(changes)},
      {"warnings", outcome.warnings}}
      .dump(2);
}

Result<void> run_lock(const LockOptions& options, bool upgrade_given, Context& context) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  auto hub = hub_client_from(*settings, kLockParallelRequests);
  if (!hub) return tl::unexpected(hub.error());

  LockRequest request;
  request.project_dir = context.global.project_dir;
  request.cache_dir = settings->cache_dir.value;
  request.upgrade_all = upgrade_given && options.upgrade.empty();
  request.upgrade = options.upgrade;
  if (options.format == "hashes") request.format = LockFormat::variant_hashes;
  if (options.format == "commits") request.format = LockFormat::dependency_commits;

  auto outcome = compute_lock(request, *hub);
  if (!outcome) return tl::unexpected(outcome.error());
  for (const std::string& warning : outcome->warnings)
    context.out.note("warning: " + warning);
  const auto path = lockfile_path(request.project_dir);

  if (options.check) {
    context.out.json_document(outcome_json(*outcome, path, false));
    if (outcome->up_to_date()) {
      context.out.line(path.string() + " is up to date");
      return {};
    }
    for (const std::string& line : describe_lock_changes(*outcome))
      context.out.note(line);
    return fail(
        ErrorCode::lock_out_of_date,
        path.string() +
            " is out of date with the project's dependencies; run `kernels lock` to update it");
  }

  if (!outcome->up_to_date()) {
    if (auto written = write_lock(request, *outcome); !written) return written;
  }
  context.out.json_document(outcome_json(*outcome, path, !outcome->up_to_date()));
  std::size_t kept = 0;
  for (const LockChange& change : outcome->changes)
    kept += change.kept_without_network ? 1U : 0U;
  context.out.line((outcome->up_to_date() ? "Up to date: " : "Wrote ") + path.string() + " (" +
                   std::to_string(outcome->lockfile.kernels.size()) + " kernels, " +
                   std::to_string(kept) + " kept as locked)");
  for (const std::string& line : describe_lock_changes(*outcome))
    context.out.line("  " + line);
  return {};
}

}  // namespace

Command setup_lock(CLI::App& app) {
  auto options = std::make_shared<LockOptions>();
  CLI::App* sub =
      app.add_subcommand("lock", "Resolve every dependency against the Hub and write kernels.lock");
  sub->add_flag("--check", options->check,
                "Write nothing; exit 3 when kernels.lock is missing or out of date (for CI)");
  sub->add_option("--upgrade", options->upgrade,
                  "Re-resolve locked entries: all of them, or only the REPO given")
      ->expected(0, 1)
      ->type_name("[REPO]");
  sub->add_option(
         "--format", options->format,
         "Format of a new kernels.lock: hashes (repo_id/sha/variants with one integrity hash per "
         "variant; kernels <= 0.16) or commits (dependency/lock; kernels >= 0.17). Default: the "
         "existing file's, else hashes")
      ->check(CLI::IsMember({"hashes", "commits"}));
  sub->footer(
      "Examples:\n"
      "  kernels lock                 resolve and write kernels.lock\n"
      "  kernels lock --check         fail (exit 3) in CI when kernels.lock is stale\n"
      "  kernels lock --upgrade org/relu");
  return Command{sub, [options, sub](Context& context) -> Result<void> {
                   return run_lock(*options, sub->count("--upgrade") > 0, context);
                 }};
}

}  // namespace kernels::cli
