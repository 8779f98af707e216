#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace kernels::cli {

enum class ColorMode { automatic, always, never };

// Options every command accepts. Parsed once in main and handed to the command that runs.
struct GlobalOptions {
  std::string project_dir = ".";
  std::string
      cache_dir;  // empty: KERNELS_CACHE, HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub
  std::string endpoint;  // empty: HF_ENDPOINT, else https://huggingface.co
  std::string token;     // empty: HF_TOKEN, else the token file
  bool offline = false;
  bool json = false;
  int verbosity = 0;  // each -v adds one
  bool quiet = false;
  bool no_progress = false;
  ColorMode color = ColorMode::automatic;
};

// Attaches the global options to the top-level app; CLI11 lets subcommands see them through
// fallthrough so that `kernels lock --json` and `kernels --json lock` both work.
void add_global_options(CLI::App& app, GlobalOptions& options);

}  // namespace kernels::cli
