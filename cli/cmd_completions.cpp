// `kernels completions SHELL`: print a completion script for bash, zsh or fish, generated from
// the parser itself. `kernels __complete-repos` (hidden) prints what the scripts complete repo
// ids to: the dependencies of the project's config, one a line; `kernels __man-include` (hidden)
// the per-command part of the man page (scripts/make-manpage.sh).
#include <cstdio>
#include <memory>
#include <string>

#include "kernels/model/project_config.hpp"

#include "command.hpp"
#include "completion_model.hpp"
#include "man_include.hpp"

namespace kernels::cli {
namespace {

struct CompletionsOptions {
  std::string shell;
};

std::string script_for(const std::string& shell, const CLI::App& root) {
  const CompletionCommand tree = completion_tree(root);
  if (shell == "zsh") return zsh_completion_script(tree);
  if (shell == "fish") return fish_completion_script(tree);
  return bash_completion_script(tree);
}

Result<void> run_complete_repos(Context& context) {
  auto config = load_project_config(context.global.project_dir);
  if (!config) return tl::unexpected(config.error());
  for (const Dependency& dependency : config->dependencies)
    std::fputs((dependency.repo_id + "\n").c_str(), stdout);
  return {};
}

}  // namespace

std::vector<Command> setup_completions(CLI::App& app) {
  auto options = std::make_shared<CompletionsOptions>();
  CLI::App* sub = app.add_subcommand("completions", "Print the shell completion script");
  sub->add_option("shell", options->shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  sub->footer(
      "The script completes commands, options, their values, and the repo ids of the project's "
      "config (for remove, versions, info, ...).\n\n"
      "Install:\n"
      "  bash  kernels completions bash > /usr/share/bash-completion/completions/kernels\n"
      "        (or: source <(kernels completions bash) in ~/.bashrc)\n"
      "  zsh   kernels completions zsh > \"${fpath[1]}/_kernels\"\n"
      "  fish  kernels completions fish > ~/.config/fish/completions/kernels.fish");
  const CLI::App* root = &app;

  CLI::App* repos = app.add_subcommand(std::string(kCompleteReposCommand),
                                       "Print the repo ids of the project's config (for the "
                                       "completion scripts)");
  repos->group("");  // hidden: the scripts call it, people need not see it

  CLI::App* man =
      app.add_subcommand("__man-include", "Print every command's help as a help2man include file");
  man->group("");

  return {Command{sub,
                  [options, root](Context&) -> Result<void> {
                    // The script as it is, also under --json: it is meant for a file or `source`.
                    std::fputs(script_for(options->shell, *root).c_str(), stdout);
                    return {};
                  }},
          Command{repos, run_complete_repos},
          Command{man, [root](Context&) -> Result<void> {
                    std::fputs(man_include(*root).c_str(), stdout);
                    return {};
                  }}};
}

}  // namespace kernels::cli
