// `kernels info`: a kernel's metadata and the variant trace, or what this system is.
#include <memory>
#include <string>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct InfoOptions {
  std::string target;  // REPO or PATH
  bool system = false;
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
  return Command{
      sub, [options](Context&) -> Result<void> { return tl::unexpected(not_implemented("info")); }};
}

}  // namespace kernels::cli
