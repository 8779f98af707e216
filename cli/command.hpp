#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "kernels/error.hpp"

#include "global_options.hpp"
#include "output.hpp"

namespace kernels::cli {

// What a running command gets: the parsed global options and the output channels.
struct Context {
  const GlobalOptions& global;
  const Output& out;
};

using RunFunction = std::function<Result<void>(Context&)>;

// A subcommand: its CLI11 parser and the function that runs it once parsing succeeded.
// Each cmd_*.cpp file defines one `setup_*` function that adds its parser and returns this.
struct Command {
  CLI::App* app = nullptr;
  RunFunction run;
};

// The error a command returns while only its parser exists, so that scripts can tell a missing
// feature (exit 1, this message) from a usage error.
[[nodiscard]] inline Error not_implemented(std::string_view command) {
  return Error{
      ErrorCode::not_implemented,
      "`kernels " + std::string(command) +
          "` is not implemented yet in this build; its options are parsed but it does nothing",
      ""};
}

Command setup_lock(CLI::App& app);
Command setup_download(CLI::App& app);
Command setup_check(CLI::App& app);
Command setup_versions(CLI::App& app);
Command setup_info(CLI::App& app);
Command setup_add(CLI::App& app);
Command setup_remove(CLI::App& app);
std::vector<Command> setup_cache(CLI::App& app);
Command setup_serve(CLI::App& app);
std::vector<Command> setup_mirror(CLI::App& app);
std::vector<Command> setup_bundle(CLI::App& app);
std::vector<Command> setup_completions(CLI::App& app);

}  // namespace kernels::cli
