#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "kernels/error.hpp"
#include "kernels/model/settings.hpp"
#include "kernels/system/detect.hpp"

#include "global_options.hpp"

namespace kernels::cli {

// Settings from the global flags and the process environment. Commands call this only when they
// need settings, so that `kernels --version` or `kernels check FILE` read nothing they don't use.
[[nodiscard]] Result<Settings> settings_from(const GlobalOptions& global);

// How a command that chooses variants learns about this system: `--torch PATH` and `--backend
// NAME`.
struct SystemOptions {
  std::string torch_dir;
  std::string backend;
};
void add_system_options(CLI::App& command, SystemOptions& options);

// Detects this system with the command's --torch/--backend and the process environment.
[[nodiscard]] Result<DetectedSystem> detect_system_from(const SystemOptions& options);

}  // namespace kernels::cli
