// `kernels info`: a kernel's metadata and the variant trace, or what this system is.
#include <memory>
#include <string>

#include "cli_settings.hpp"
#include "command.hpp"
#include "system_report.hpp"

namespace kernels::cli {
namespace {

struct InfoOptions {
  std::string target;  // REPO or PATH
  bool system = false;
  SystemOptions system_options;
};

}  // namespace

Command setup_info(CLI::App& app) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand(
      "info", "Show a kernel's metadata and which variant this system would use, and why");
  sub->add_option("target", options->target, "Hub kernel repository or local kernel directory")
      ->type_name("REPO|PATH");
  sub->add_flag("--system", options->system,
                "Show what was detected: os, cpu, torch version and C++ ABI, backend");
  add_system_options(*sub, options->system_options);
  return Command{sub, [options](Context& context) -> Result<void> {
                   if (!options->system) return tl::unexpected(not_implemented("info REPO|PATH"));
                   auto detected = detect_system_from(options->system_options);
                   if (!detected) return tl::unexpected(detected.error());
                   if (context.out.json()) {
                     context.out.json_document(system_report_json(*detected));
                   } else {
                     for (const auto& line : system_report_lines(*detected))
                       context.out.line(line);
                   }
                   return {};
                 }};
}

}  // namespace kernels::cli
