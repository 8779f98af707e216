// `kernels lock`: resolve the project's kernel dependencies and write kernels.lock.
#include <memory>
#include <string>
#include <vector>

#include "kernels/ops/lock.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "hub_from_cli.hpp"
#include "lock_report.hpp"

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
  std::vector<std::string> trusted;
};

Result<void> run_lock(const LockOptions& options, bool upgrade_given, bool trust_given,
                      Context& context) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  auto hub = hub_client_from(*settings, kLockParallelRequests);
  if (!hub) return tl::unexpected(hub.error());

  LockRequest request;
  request.project_dir = context.global.project_dir;
  request.cache_dir = settings->cache_dir.value;
  for (const std::string& repo : options.upgrade) {
    if (!repo.empty()) request.upgrade.push_back(repo);
  }
  request.upgrade_all = upgrade_given && request.upgrade.empty();
  // CLI11 records a bare `--trust-remote-code` (its value is optional) as an empty value.
  for (const std::string& repo : options.trusted) {
    if (!repo.empty()) request.trusted.push_back(repo);
  }
  request.trust_all = trust_given && request.trusted.empty();
  if (options.format == "hashes") request.format = LockFormat::variant_hashes;
  if (options.format == "commits") request.format = LockFormat::dependency_commits;

  auto outcome = compute_lock(request, *hub);
  if (!outcome) return tl::unexpected(outcome.error());
  print_lock_warnings(context.out, *outcome);
  const auto path = lockfile_path(request.project_dir);

  if (options.check) {
    context.out.json_document(lock_outcome_json(*outcome, path, false).dump(2));
    return report_lock_currency(context.out, *outcome, path);
  }

  if (!outcome->up_to_date()) {
    if (auto written = write_lock(request, *outcome); !written) return written;
  }
  context.out.json_document(lock_outcome_json(*outcome, path, !outcome->up_to_date()).dump(2));
  print_lock_summary(context.out, *outcome, path);
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
  sub->add_option("--trust-remote-code", options->trusted,
                  "Lock REPO (or every repo, without REPO) even when its organization is not a "
                  "trusted kernel publisher on the Hub; repeat for several repos")
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
                   return run_lock(*options, sub->count("--upgrade") > 0,
                                   sub->count("--trust-remote-code") > 0, context);
                 }};
}

}  // namespace kernels::cli
