// `kernels download`: fetch the locked variants into the shared cache and verify them.
#include <memory>
#include <string>
#include <vector>

#include "kernels/hub/hub_client.hpp"
#include "kernels/ops/download.hpp"
#include "kernels/ops/lock.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "download_progress.hpp"
#include "download_report.hpp"
#include "hub_from_cli.hpp"

namespace kernels::cli {
namespace {

struct DownloadOptions {
  bool all_variants = false;
  std::vector<std::string> variants;
  bool locked = false;
  unsigned jobs = 8;
  SystemOptions system_options;
};

Result<void> check_lock_current(const Settings& settings, const GlobalOptions& global,
                                HubClient& hub) {
  LockRequest lock_request;
  lock_request.project_dir = global.project_dir;
  lock_request.cache_dir = settings.cache_dir.value;
  auto outcome = compute_lock(lock_request, hub);
  if (!outcome) return tl::unexpected(outcome.error());
  if (outcome->up_to_date()) return {};
  return fail(ErrorCode::lock_out_of_date,
              lockfile_path(lock_request.project_dir).string() +
                  " is out of date with the project's dependencies (--locked); run `kernels "
                  "lock` to update it");
}

Result<void> run_download(const DownloadOptions& options, Context& context) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());

  DownloadRequest request;
  request.project_dir = context.global.project_dir;
  request.cache_dir = settings->cache_dir.value;
  request.offline = settings->offline.value;
  if (options.all_variants) {
    request.choice = VariantChoice::all;
  } else if (!options.variants.empty()) {
    request.choice = VariantChoice::named;
    request.variants = options.variants;
  } else {
    auto detected = detect_system_from(options.system_options);
    if (!detected) return tl::unexpected(detected.error());
    request.system = detected->system;
  }

  std::optional<HubClient> hub;
  if (!request.offline) {
    auto client = hub_client_from(*settings, static_cast<int>(options.jobs));
    if (!client) return tl::unexpected(client.error());
    hub.emplace(std::move(*client));
    if (options.locked) {
      if (auto current = check_lock_current(*settings, context.global, *hub); !current) {
        return current;
      }
    }
  }

  DownloadProgress progress(progress_style(context.global));
  auto report = download_locked(request, hub ? &*hub : nullptr, progress.observer());
  progress.finish();
  if (!report) return tl::unexpected(report.error());
  context.out.json_document(download_report_json(*report).dump(2));
  if (!context.global.quiet) {
    for (const std::string& line : download_report_lines(*report))
      context.out.line(line);
  }
  return {};
}

}  // namespace

Command setup_download(CLI::App& app) {
  auto options = std::make_shared<DownloadOptions>();
  CLI::App* sub = app.add_subcommand(
      "download", "Fetch the locked kernels into the cache and verify every byte");
  auto* all = sub->add_flag("--all-variants", options->all_variants,
                            "Every locked variant, not only the best one for this system");
  sub->add_option("--variant", options->variants, "Only these variants (repeatable)")
      ->excludes(all)
      ->type_name("NAME");
  sub->add_flag("--locked", options->locked,
                "Fail (exit 3) instead of downloading when kernels.lock is out of date");
  sub->add_option("-j,--jobs", options->jobs, "Parallel transfers")
      ->check(CLI::Range(1U, 256U))
      ->capture_default_str();
  add_system_options(*sub, options->system_options);
  sub->footer(
      "Exit codes: 4 when a byte does not match the lock or the Hub's listing (nothing of that\n"
      "variant is published), 6 when no variant fits or one is missing offline.\n"
      "Examples:\n"
      "  kernels download                    best variant for this system\n"
      "  kernels download --all-variants     every variant (to fill an image or a mirror)\n"
      "  kernels --offline download          check that the cache is complete, no network");
  return Command{
      sub, [options](Context& context) -> Result<void> { return run_download(*options, context); }};
}

}  // namespace kernels::cli
