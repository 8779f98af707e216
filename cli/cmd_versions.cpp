// `kernels versions REPO`: the versions a Hub kernel offers and which variant fits this system.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "kernels/model/repo_id.hpp"
#include "kernels/ops/versions.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "hub_from_cli.hpp"
#include "variant_json.hpp"

namespace kernels::cli {
namespace {

struct VersionsOptions {
  std::string repo;
  SystemOptions system_options;
};

std::string report_json(const VersionsReport& report, const SystemInfo& system) {
  nlohmann::json versions = nlohmann::json::array();
  for (const KernelVersion& version : report.versions) {
    versions.push_back({{"name", version.ref.name},
                        {"kind", std::string(to_string(version.ref.kind))},
                        {"commit", version.ref.commit},
                        {"variants", version.variants},
                        {"variant", chosen_variant_json(version.selection)},
                        {"trace", trace_json(version.selection)}});
  }
  return nlohmann::json{{"repo_id", report.repo.repo_id},
                        {"repo_type", std::string(to_string(report.repo.type))},
                        {"from_cache", report.from_cache},
                        {"system", system_json(system)},
                        {"versions", std::move(versions)}}
      .dump(2);
}

Result<void> run_versions(const VersionsOptions& options, Context& context) {
  if (auto valid = validate_repo_id(options.repo); !valid) {
    return fail(ErrorCode::usage,
                "'" + options.repo + "' is not a Hub repo id (org/name): " + valid.error().message);
  }
  auto detected = detect_system_from(options.system_options);
  if (!detected) return tl::unexpected(detected.error());
  for (const std::string& warning : detected->warnings)
    context.out.note("warning: " + warning);
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  auto hub = hub_client_from(*settings);
  if (!hub) return tl::unexpected(hub.error());

  // Offline, the cache's refs/ say what the versions pointed to when they were last resolved.
  auto report = settings->offline.value ? list_cached_versions(options.repo, detected->system,
                                                               settings->cache_dir.value)
                                        : list_versions(options.repo, detected->system, *hub);
  if (!report) return tl::unexpected(report.error());
  if (report->from_cache) {
    context.out.note("offline: versions from the cache (" + settings->cache_dir.value.string() +
                     "), with the variants downloaded there");
  }
  context.out.json_document(report_json(*report, detected->system));
  for (const std::string& line : describe_versions(*report, context.global.verbosity > 0))
    context.out.line(line);
  return {};
}

}  // namespace

Command setup_versions(CLI::App& app) {
  auto options = std::make_shared<VersionsOptions>();
  CLI::App* sub = app.add_subcommand(
      "versions", "List a kernel's versions (tags and version branches) and their variants");
  sub->add_option("repo", options->repo, "Hub kernel repository")->required()->type_name("REPO");
  add_system_options(*sub, options->system_options);
  sub->footer(
      "Each line names a version (branch v<N> or tag v<semver>), its commit and the variant this\n"
      "system would use; -v adds every variant with the reason it was rejected.\n"
      "Examples:\n"
      "  kernels versions kernels-community/relu\n"
      "  kernels versions kernels-community/relu -v --backend cpu");
  return Command{
      sub, [options](Context& context) -> Result<void> { return run_versions(*options, context); }};
}

}  // namespace kernels::cli
