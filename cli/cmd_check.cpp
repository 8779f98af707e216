// `kernels check`: lock drift, cache integrity and ABI of kernel binaries, for CI.
#include <memory>
#include <string>

#include "check_abi.hpp"
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
  return Command{sub, [options](Context& context) -> Result<void> {
                   if (options->abi) {
                     return run_check_abi(
                         {options->target, options->manylinux, options->macos, options->python_abi},
                         context);
                   }
                   return tl::unexpected(not_implemented("check"));
                 }};
}

}  // namespace kernels::cli
