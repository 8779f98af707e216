// `kernels lock`: resolve the project's kernel dependencies and write kernels.lock.
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct LockOptions {
  bool check = false;
  std::vector<std::string> upgrade;  // empty with --upgrade given: upgrade everything
  bool upgrade_given = false;
};

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
  sub->footer(
      "Examples:\n"
      "  kernels lock                 resolve and write kernels.lock\n"
      "  kernels lock --check         fail (exit 3) in CI when kernels.lock is stale\n"
      "  kernels lock --upgrade org/relu");
  return Command{sub, [options, sub](Context&) -> Result<void> {
                   options->upgrade_given = sub->count("--upgrade") > 0;
                   return tl::unexpected(not_implemented("lock"));
                 }};
}

}  // namespace kernels::cli
