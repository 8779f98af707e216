// `kernels info`: a kernel's metadata and the variant trace, or what this system is.
#include <filesystem>
#include <memory>
#include <string>

#include "kernels/model/kernel_ref.hpp"
#include "kernels/ops/info.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "hub_from_cli.hpp"
#include "info_report.hpp"
#include "system_report.hpp"

namespace kernels::cli {
namespace {

struct InfoOptions {
  std::string target;  // REPO or PATH
  std::string revision;
  int version = 0;
  bool version_given = false;
  bool system = false;
  SystemOptions system_options;
};

Result<void> run_system(const InfoOptions& options, Context& context) {
  auto detected = detect_system_from(options.system_options);
  if (!detected) return tl::unexpected(detected.error());
  if (context.out.json()) {
    context.out.json_document(system_report_json(*detected));
  } else {
    for (const auto& line : system_report_lines(*detected))
      context.out.line(line);
  }
  return {};
}

// The Hub request for `target`, with --revision/--version folded in.
Result<HubInfoRequest> hub_request_for(const InfoOptions& options) {
  auto ref = parse_kernel_ref(options.target);
  if (!ref) {
    return fail(ErrorCode::usage, "'" + options.target +
                                      "' is neither a directory nor a Hub repo id (org/name, "
                                      "org/name@1, org/name@v1.2.0): " +
                                      ref.error().message);
  }
  HubInfoRequest request;
  request.repo_id = ref->repo_id;
  request.requirement = ref->requirement;
  const bool flag_given = !options.revision.empty() || options.version_given;
  if (flag_given && request.requirement) {
    return fail(ErrorCode::usage, "'" + options.target +
                                      "' already names a version or revision; drop the '@...' "
                                      "part or --revision/--version");
  }
  if (!options.revision.empty()) request.requirement = Revision{options.revision};
  if (options.version_given) request.requirement = MajorVersion{options.version};
  return request;
}

Result<void> print_info(const KernelInfo& info, const DetectedSystem& detected, Context& context) {
  for (const std::string& warning : info.warnings)
    context.out.note("warning: " + warning);
  context.out.json_document(info_json(info, detected.system));
  for (const std::string& line : info_lines(info))
    context.out.line(line);
  return {};
}

Result<void> run_info(const InfoOptions& options, Context& context) {
  if (options.system) {
    if (!options.target.empty()) {
      return fail(ErrorCode::usage, "--system describes this machine; give it without REPO|PATH");
    }
    return run_system(options, context);
  }
  if (options.target.empty()) {
    return fail(ErrorCode::usage,
                "give a Hub repo (org/name) or a kernel directory, or --system for this machine");
  }
  if (options.version_given && options.version < 0) {
    return fail(ErrorCode::usage,
                "--version takes a major version, a number >= 0 (the branch v<N>)");
  }
  if (!options.revision.empty() && options.version_given) {
    return fail(ErrorCode::usage, "Only one of --revision or --version can be specified");
  }

  std::error_code error;
  const std::filesystem::path path(options.target);
  const bool is_local = std::filesystem::is_directory(path, error);
  std::optional<HubInfoRequest> request;
  if (is_local) {
    if (!options.revision.empty() || options.version_given) {
      return fail(ErrorCode::usage, "--revision and --version cannot be used with a local path");
    }
  } else {
    auto hub_request = hub_request_for(options);
    if (!hub_request) return tl::unexpected(hub_request.error());
    request = std::move(*hub_request);
  }

  auto detected = detect_system_from(options.system_options);
  if (!detected) return tl::unexpected(detected.error());
  for (const std::string& warning : detected->warnings)
    context.out.note("warning: " + warning);

  if (is_local) {
    auto info = kernel_info_from_directory(path, detected->system);
    if (!info) return tl::unexpected(info.error());
    return print_info(*info, *detected, context);
  }
  request->system = detected->system;
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  auto hub = hub_client_from(*settings);
  if (!hub) return tl::unexpected(hub.error());
  auto info = kernel_info_from_hub(*request, *hub);
  if (!info) return tl::unexpected(info.error());
  return print_info(*info, *detected, context);
}

}  // namespace

Command setup_info(CLI::App& app) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand(
      "info", "Show a kernel's metadata and which variant this system would use, and why");
  sub->add_option("target", options->target,
                  "Hub kernel repository (org/name, org/name@1, org/name@v1.2.0) or local kernel "
                  "directory (a checkout with build/, a build/ folder or one variant folder)")
      ->type_name("REPO|PATH");
  sub->add_option("--revision", options->revision, "Branch, tag or commit to look at")
      ->type_name("R");
  sub->add_option("--version", options->version, "Major version: the branch v<N>")->type_name("N");
  sub->add_flag("--system", options->system,
                "Show what was detected: os, cpu, torch version and C++ ABI, backend");
  add_system_options(*sub, options->system_options);
  sub->footer(
      "Without --revision or --version, the highest version branch (v<N>) is shown, or main.\n"
      "Examples:\n"
      "  kernels info kernels-community/activation --version 1\n"
      "  kernels info ./build --backend cpu --json\n"
      "  kernels info --system");
  return Command{sub, [options, sub](Context& context) -> Result<void> {
                   options->version_given = sub->count("--version") > 0;
                   return run_info(*options, context);
                 }};
}

}  // namespace kernels::cli
