// `kernels check`: lock drift, cache integrity and ABI of kernel binaries, for CI.
#include <memory>
#include <string>

#include "check_abi.hpp"
#include "check_cache.hpp"
#include "cli_settings.hpp"
#include "command.hpp"

namespace kernels::cli {
namespace {

struct CheckOptions {
  bool lock = false;
  bool cache = false;
  bool abi = false;
  std::string target;  // PATH or REPO[@REV] for --abi
  std::string manylinux = "manylinux_2_28";
  std::string macos = "15.0";
  std::string python_abi = "3.9";
  SystemOptions system_options;  // --cache: which variant is this system's
};

}  // namespace

Command setup_check(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* sub = app.add_subcommand(
      "check", "Check that the lock, the cache and the kernels' binaries are sound");
  sub->add_flag("--lock", options->lock, "kernels.lock matches the project config");
  sub->add_flag("--cache", options->cache, "the cache holds this system's locked variants intact");
  sub->add_flag("--abi", options->abi, "the kernels' shared objects fit the ABI policies below");
  sub->add_option("target", options->target, "Kernel directory or REPO[@REV] to check with --abi")
      ->type_name("PATH|REPO[@REV]");
  sub->add_option("--manylinux", options->manylinux, "manylinux policy for ELF files")
      ->capture_default_str();
  sub->add_option("--macos", options->macos, "Oldest macOS version Mach-O files may require")
      ->capture_default_str();
  sub->add_option("--python-abi", options->python_abi, "Python stable ABI version for *.abi3.so")
      ->capture_default_str();
  add_system_options(*sub, options->system_options);
  return Command{sub, [options](Context& context) -> Result<void> {
                   // A target only makes sense for --abi; no flag at all means the project's
                   // checks, --lock and --cache, as CI wants them.
                   const bool abi = options->abi || !options->target.empty();
                   if (abi && (options->lock || options->cache)) {
                     return fail(ErrorCode::usage,
                                 "--abi checks binaries and --lock/--cache the project; run them "
                                 "as two commands");
                   }
                   if (abi) {
                     return run_check_abi(
                         {options->target, options->manylinux, options->macos, options->python_abi},
                         context);
                   }
                   const bool both = !options->lock && !options->cache;
                   return run_check_lock_cache(both || options->lock, both || options->cache,
                                               options->system_options, context);
                 }};
}

}  // namespace kernels::cli
