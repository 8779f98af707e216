// `kernels add` and `kernels remove`: edit the project config, then lock.
#include <memory>
#include <string>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct EditOptions {
  std::string kernel;
  bool no_lock = false;
};

}  // namespace

Command setup_add(CLI::App& app) {
  auto options = std::make_shared<EditOptions>();
  CLI::App* sub = app.add_subcommand("add", "Add a kernel dependency to the project, then lock");
  sub->add_option(
         "kernel", options->kernel,
         "ORG/NAME, ORG/NAME@1 (version branch v1), ORG/NAME@v2.1.0 or ORG/NAME@'>=2.0,<3.0'")
      ->required()
      ->type_name("REPO[@SPEC]");
  sub->add_flag("--no-lock", options->no_lock, "Only edit the config; do not lock");
  return Command{
      sub, [options](Context&) -> Result<void> { return tl::unexpected(not_implemented("add")); }};
}

Command setup_remove(CLI::App& app) {
  auto options = std::make_shared<EditOptions>();
  CLI::App* sub =
      app.add_subcommand("remove", "Remove a kernel dependency from the project, then lock");
  sub->add_option("kernel", options->kernel, "The dependency to remove")
      ->required()
      ->type_name("REPO");
  sub->add_flag("--no-lock", options->no_lock, "Only edit the config; do not lock");
  return Command{sub, [options](Context&) -> Result<void> {
                   return tl::unexpected(not_implemented("remove"));
                 }};
}

}  // namespace kernels::cli
