// `kernels download`: fetch the locked variants into the shared cache and verify them.
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct DownloadOptions {
  bool all_variants = false;
  std::vector<std::string> variants;
  bool locked = false;
  unsigned jobs = 8;
};

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
  sub->footer(
      "Examples:\n"
      "  kernels download                    best variant for this system\n"
      "  kernels download --all-variants     every variant (to fill an image or a mirror)");
  return Command{sub, [options](Context&) -> Result<void> {
                   return tl::unexpected(not_implemented("download"));
                 }};
}

}  // namespace kernels::cli
