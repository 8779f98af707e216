#pragma once

// The command tree as shell completion sees it, read from the CLI11 parser at run time, so that
// the completion scripts follow every option a command gains without being edited by hand.

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace kernels::cli {

// What the value of an option or a positional argument completes to.
enum class ValueKind {
  none,          // free text: nothing to offer
  choices,       // one of a fixed list (CLI::IsMember, CLI::CheckedTransformer)
  repo_id,       // a repo id of the project's config (`kernels __complete-repos`)
  repo_or_path,  // a repo id of the project's config, or a file or directory
  file,          // a file or a directory
  directory,
};

struct CompletionValue {
  ValueKind kind = ValueKind::none;
  std::vector<std::string> choices;  // for ValueKind::choices
  std::string type_name;             // "DIR", "REPO", "N": what the help shows
};

struct CompletionOption {
  std::vector<std::string> short_names;  // without the '-'
  std::vector<std::string> long_names;   // without the '--'
  std::string description;               // its first line
  bool takes_value = false;
  bool value_optional = false;  // `--upgrade [REPO]`: the value may be left out
  CompletionValue value;
};

struct CompletionPositional {
  std::string name;
  std::string description;
  bool repeats = false;  // takes every word that is left
  CompletionValue value;
};

struct CompletionCommand {
  std::string name;
  std::string description;
  std::vector<CompletionOption> options;  // the command's own, -h/--help included
  std::vector<CompletionPositional> positionals;
  std::vector<CompletionCommand> subcommands;  // hidden ones (group "") left out
};

// Reads the tree below `app` (the root `kernels` app for a whole script).
[[nodiscard]] CompletionCommand completion_tree(const CLI::App& app);

// Scripts for the shells. Each completes commands, options, option values and positional
// arguments; repo ids come from `kernels __complete-repos` run while completing.
[[nodiscard]] std::string bash_completion_script(const CompletionCommand& root);
[[nodiscard]] std::string zsh_completion_script(const CompletionCommand& root);
[[nodiscard]] std::string fish_completion_script(const CompletionCommand& root);

// The hidden command the scripts call for repo ids.
inline constexpr std::string_view kCompleteReposCommand = "__complete-repos";

// Every command path below `root` with its command, depth first, the root first:
// {"kernels"}, {"kernels", "lock"}, {"kernels", "cache"}, {"kernels", "cache", "dir"}, ...
struct CommandPath {
  std::vector<std::string> names;
  const CompletionCommand* command = nullptr;
  // The options a user may give here: the command's own, then those of the commands above it
  // (the parser lets options fall through to the parent: `kernels lock --json`), each name once.
  std::vector<const CompletionOption*> options_in_scope;
  [[nodiscard]] std::string joined(std::string_view separator) const;
};
[[nodiscard]] std::vector<CommandPath> command_paths(const CompletionCommand& root);

}  // namespace kernels::cli
