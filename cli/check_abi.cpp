#include "check_abi.hpp"

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "kernels/model/kernel_ref.hpp"
#include "kernels/ops/check_abi.hpp"

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

// A Hub kernel needs `kernels download`, which this build does not have yet.
Error hub_target_not_yet(const std::string& target, const KernelRef& ref) {
  return Error{ErrorCode::not_implemented,
               "checking a Hub kernel ('" + target +
                   "') needs `kernels download`, which this build does not have yet; download "
                   "the kernel first (for example `git clone https://huggingface.co/kernels/" +
                   ref.repo_id +
                   "`, or the Python tool's `kernels download`) and run "
                   "`kernels check --abi DIR` on its directory",
               ""};
}

}  // namespace

Result<void> run_check_abi(const CheckAbiArgs& args, Context& context) {
  const std::string target = args.target.empty() ? "." : args.target;
  std::error_code error;
  if (!std::filesystem::exists(target, error)) {
    if (auto ref = parse_kernel_ref(target); ref && target.find('/') != std::string::npos &&
                                             !target.starts_with('.') && !target.starts_with('/')) {
      return tl::unexpected(hub_target_not_yet(target, *ref));
    }
  }
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
