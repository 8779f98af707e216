// `kernels completions SHELL`: print a completion script for bash, zsh or fish.
#include <memory>
#include <string>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct CompletionsOptions {
  std::string shell;
};

}  // namespace

Command setup_completions(CLI::App& app) {
  auto options = std::make_shared<CompletionsOptions>();
  CLI::App* sub = app.add_subcommand("completions", "Print the shell completion script");
  sub->add_option("shell", options->shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  return Command{sub, [options](Context&) -> Result<void> {
                   return tl::unexpected(not_implemented("completions"));
                 }};
}

}  // namespace kernels::cli
