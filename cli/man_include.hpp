#pragma once

// The part of the man page that help2man cannot read from `kernels --help`: every command's own
// help, as a help2man include file (`help2man --include`).

#include <string>

#include <CLI/CLI.hpp>

namespace kernels::cli {

// A "[COMMANDS]" section holding the --help of every command below `root`, depth first, as roff.
[[nodiscard]] std::string man_include(const CLI::App& root);

}  // namespace kernels::cli
