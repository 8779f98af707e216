#include "check_abi.hpp"

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <stdlib.h>

#include "kernels/hub/hub_client.hpp"
#include "kernels/model/config_edit.hpp"
#include "kernels/model/kernel_ref.hpp"
#include "kernels/ops/check_abi.hpp"
#include "kernels/ops/download.hpp"
#include "kernels/ops/lock.hpp"
#include "kernels/util/atomic_file.hpp"

#include "cli_settings.hpp"
#include "hub_from_cli.hpp"

namespace kernels::cli {
namespace {

nlohmann::json problems_json(const std::vector<AbiProblem>& problems) {
  nlohmann::json list = nlohmann::json::array();
  for (const AbiProblem& problem : problems) {
    list.push_back({{"kind", std::string(to_string(problem.kind))},
                    {"message", problem.message},
                    {"subject", problem.subject},
                    {"version", problem.version}});
  }
  return list;
}

nlohmann::json report_json(const AbiCheckReport& report) {
  nlohmann::json variants = nlohmann::json::array();
  for (const AbiVariantReport& variant : report.variants) {
    nlohmann::json files = nlohmann::json::array();
    for (const AbiFileReport& file : variant.files) {
      files.push_back({{"path", file.path},
                       {"format", std::string(to_string(file.format))},
                       {"architecture", file.architecture},
                       {"problems", problems_json(file.problems)}});
    }
    variants.push_back({{"name", variant.name},
                        {"problems", problems_json(variant.problems)},
                        {"files", std::move(files)}});
  }
  return {{"ok", report.clean()},
          {"build_dir", report.build_dir.string()},
          {"policies",
           {{"manylinux", report.manylinux},
            {"macos", report.macos},
            {"python_abi", report.python_abi}}},
          {"problem_count", report.problem_count()},
          {"file_count", report.file_count()},
          {"problems", problems_json(report.problems)},
          {"variants", std::move(variants)}};
}

std::string plural(std::size_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

void print_text(const AbiCheckReport& report, const Output& out) {
  if (!report.problems.empty()) {
    out.line(report.build_dir.string());
    for (const AbiProblem& problem : report.problems)
      out.line("  " + problem.message);
  }
  for (const AbiVariantReport& variant : report.variants) {
    out.line(variant.name);
    for (const AbiProblem& problem : variant.problems)
      out.line("  " + problem.message);
    if (variant.files.empty()) out.line("  (no shared objects)");
    for (const AbiFileReport& file : variant.files) {
      std::string heading = "  " + file.path + " (" + std::string(to_string(file.format));
      if (!file.architecture.empty()) heading += ", " + file.architecture;
      heading += ")";
      if (file.problems.empty()) {
        out.line(heading + ": ok");
        continue;
      }
      out.line(heading);
      for (const AbiProblem& problem : file.problems)
        out.line("    " + problem.message);
    }
  }
  const std::string scope = plural(report.file_count(), "shared object", "shared objects") +
                            " in " + plural(report.variants.size(), "variant", "variants") + " (" +
                            report.manylinux + ", macOS " + report.macos + ", Python " +
                            report.python_abi + ")";
  out.line(report.clean()
               ? "no ABI problems in " + scope
               : plural(report.problem_count(), "ABI problem", "ABI problems") + " in " + scope);
}

// A Hub kernel: locked (its revision, "main" when none is given) in a scratch project, then
// every variant downloaded and verified into the shared cache as `kernels download
// --all-variants` would; the check then reads the cached snapshot. Organizations are not asked
// to be trusted publishers: nothing is executed, only read.
Result<std::filesystem::path> fetch_hub_kernel(const KernelRef& ref, Context& context) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  std::error_code error;
  std::string pattern =
      (std::filesystem::temp_directory_path(error) / "kernels-check-abi-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return fail(ErrorCode::io, "cannot create a scratch project under " + pattern);
  const std::filesystem::path project(pattern);
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{project};

  const Requirement requirement = ref.requirement.value_or(Requirement{Revision{"main"}});
  if (auto written = write_file_atomically(
          project / "kernels.toml", "[dependencies]\n\"" + ref.repo_id +
                                        "\" = " + toml_requirement_value(requirement) + "\n");
      !written)
    return tl::unexpected(written.error());

  std::optional<HubClient> hub;
  if (!settings->offline.value) {
    auto client = hub_client_from(*settings);
    if (!client) return tl::unexpected(client.error());
    hub.emplace(std::move(*client));
  } else {
    return fail(ErrorCode::not_found,
                "checking " + ref.repo_id +
                    " offline needs its files on disk: pass the snapshot folder of the cache "
                    "(`kernels cache dir`) or a checkout instead of the repo id");
  }
  LockRequest lock_request;
  lock_request.project_dir = project;
  lock_request.cache_dir = settings->cache_dir.value;
  lock_request.format = LockFormat::dependency_commits;
  lock_request.trust_all = true;
  auto outcome = compute_lock(lock_request, *hub);
  if (!outcome) return tl::unexpected(outcome.error());
  if (auto written = write_lock(lock_request, *outcome); !written)
    return tl::unexpected(written.error());

  DownloadRequest download;
  download.project_dir = project;
  download.cache_dir = settings->cache_dir.value;
  download.choice = VariantChoice::all;
  auto report = download_locked(download, &*hub);
  if (!report) return tl::unexpected(report.error());
  if (report->variants.empty())
    return fail(ErrorCode::not_found, ref.repo_id + " has no build variants to check");
  // snapshots/<commit>/build/<variant> -> the snapshot, which check_abi reads as a checkout.
  return report->variants.front().path.parent_path().parent_path();
}

}  // namespace

Result<void> check_and_report(const std::string& target, const CheckAbiArgs& args,
                              Context& context);

Result<void> run_check_abi(const CheckAbiArgs& args, Context& context) {
  const std::string target = args.target.empty() ? "." : args.target;
  std::error_code error;
  if (!std::filesystem::exists(target, error)) {
    if (auto ref = parse_kernel_ref(target); ref && target.find('/') != std::string::npos &&
                                             !target.starts_with('.') && !target.starts_with('/')) {
      auto snapshot = fetch_hub_kernel(*ref, context);
      if (!snapshot) return tl::unexpected(snapshot.error());
      return check_and_report(snapshot->string(), args, context);
    }
  }
  return check_and_report(target, args, context);
}

Result<void> check_and_report(const std::string& target, const CheckAbiArgs& args,
                              Context& context) {
  AbiCheckOptions options;
  options.manylinux = args.manylinux;
  options.macos = args.macos;
  options.python_abi = args.python_abi;
  auto report = check_abi(target, options);
  if (!report) return tl::unexpected(report.error());
  context.out.json_document(report_json(*report).dump(2));
  print_text(*report, context.out);
  if (report->clean()) return {};
  return fail(ErrorCode::failure,
              plural(report->problem_count(), "ABI problem", "ABI problems") + " found in " +
                  report->build_dir.string(),
              "");
}

}  // namespace kernels::cli
