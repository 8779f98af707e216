// `kernels versions REPO`: the versions a Hub kernel offers and which variant fits this system.
#include <memory>
#include <string>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct VersionsOptions {
  std::string repo;
};

}  // namespace

Command setup_versions(CLI::App& app) {
  auto options = std::make_shared<VersionsOptions>();
  CLI::App* sub = app.add_subcommand(
      "versions", "List a kernel's versions (tags and version branches) and their variants");
  sub->add_option("repo", options->repo, "Hub kernel repository")
      ->required()
      ->type_name("ORG/NAME");
  return Command{sub, [options](Context&) -> Result<void> {
                   return tl::unexpected(not_implemented("versions"));
                 }};
}

}  // namespace kernels::cli
