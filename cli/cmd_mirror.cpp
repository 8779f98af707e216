// `kernels mirror add | pull`: fill a mirror directory that `kernels serve` serves.
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct MirrorAddOptions {
  std::string build_dir;
  std::string repo;
  std::string tag;
  std::string branch;
  std::string mirror_dir = ".";
};

struct MirrorPullOptions {
  std::string kernel;
  std::string from;
  std::string mirror_dir = ".";
};

}  // namespace

std::vector<Command> setup_mirror(CLI::App& app) {
  CLI::App* mirror = app.add_subcommand("mirror", "Fill a mirror directory for `kernels serve`");
  mirror->require_subcommand(1);

  auto add_options = std::make_shared<MirrorAddOptions>();
  CLI::App* add =
      mirror->add_subcommand("add", "Add a local kernel build as a new commit of a repo");
  add->add_option("build_dir", add_options->build_dir, "Folder holding build/<variant>/...")
      ->required()
      ->type_name("BUILD_DIR");
  add->add_option("--repo", add_options->repo, "Repository to commit to")
      ->required()
      ->type_name("ORG/NAME");
  add->add_option("--tag", add_options->tag, "Tag the new commit (e.g. v1.2.0)");
  add->add_option("--branch", add_options->branch, "Move this branch to the new commit (e.g. v1)");
  add->add_option("--mirror", add_options->mirror_dir, "Mirror directory")->capture_default_str();

  auto pull_options = std::make_shared<MirrorPullOptions>();
  CLI::App* pull = mirror->add_subcommand("pull", "Copy a kernel from another Hub into the mirror");
  pull->add_option("kernel", pull_options->kernel, "Kernel to copy")
      ->required()
      ->type_name("REPO[@SPEC]");
  pull->add_option("--from", pull_options->from, "Endpoint to copy from")
      ->required()
      ->type_name("URL");
  pull->add_option("--mirror", pull_options->mirror_dir, "Mirror directory")->capture_default_str();

  return {Command{add,
                  [add_options](Context&) -> Result<void> {
                    return tl::unexpected(not_implemented("mirror add"));
                  }},
          Command{pull, [pull_options](Context&) -> Result<void> {
                    return tl::unexpected(not_implemented("mirror pull"));
                  }}};
}

}  // namespace kernels::cli
