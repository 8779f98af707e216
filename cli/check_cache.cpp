#include "check_cache.hpp"

#include <nlohmann/json.hpp>

#include "kernels/ops/download.hpp"
#include "kernels/ops/lock.hpp"

#include "cli_settings.hpp"
#include "download_report.hpp"
#include "hub_from_cli.hpp"
#include "lock_report.hpp"

namespace kernels::cli {
namespace {

// Same breadth as `kernels lock`: one round trip per stage.
constexpr int kLockParallelRequests = 32;

Result<void> check_lock(const Settings& settings, Context& context, nlohmann::json& document) {
  auto hub = hub_client_from(settings, kLockParallelRequests);
  if (!hub) return tl::unexpected(hub.error());
  LockRequest request;
  request.project_dir = context.global.project_dir;
  request.cache_dir = settings.cache_dir.value;
  auto outcome = compute_lock(request, *hub);
  if (!outcome) return tl::unexpected(outcome.error());
  const auto path = lockfile_path(request.project_dir);
  document["lock"] = {{"path", path.string()}, {"up_to_date", outcome->up_to_date()}};
  return report_lock_currency(context.out, *outcome, path);
}

Result<void> check_cache_contents(const Settings& settings, const SystemOptions& system,
                                  Context& context, nlohmann::json& document) {
  DownloadRequest request;
  request.project_dir = context.global.project_dir;
  request.cache_dir = settings.cache_dir.value;
  request.offline = true;
  auto detected = detect_system_from(system);
  if (!detected) return tl::unexpected(detected.error());
  request.system = detected->system;
  auto report = check_cache(request);
  if (!report) return tl::unexpected(report.error());
  document["cache"] = download_report_json(*report);
  for (const DownloadedVariant& variant : report->variants) {
    context.out.line(variant.repo_id + " " + variant.variant + ": intact (" +
                     std::to_string(variant.files) + " files re-hashed) " + variant.path.string());
  }
  return {};
}

}  // namespace

Result<void> run_check_lock_cache(bool lock, bool cache, const SystemOptions& system,
                                  Context& context) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  nlohmann::json document = nlohmann::json::object();
  Result<void> result;
  if (lock) result = check_lock(*settings, context, document);
  if (result && cache) result = check_cache_contents(*settings, system, context, document);
  // Under --json a failure prints its own error document (main.cpp).
  if (result) context.out.json_document(document.dump(2));
  return result;
}

}  // namespace kernels::cli
