#pragma once

// `kernels check --abi [PATH | REPO[@REV]]`: the run function cmd_check.cpp dispatches to.

#include <string>

#include "command.hpp"

namespace kernels::cli {

struct CheckAbiArgs {
  std::string target;  // empty: the current directory
  std::string manylinux;
  std::string macos;
  std::string python_abi;
};

// Prints the report (text, or one JSON document with --json); a report with problems is
// ErrorCode::failure (exit 1) after it is printed.
[[nodiscard]] Result<void> run_check_abi(const CheckAbiArgs& args, Context& context);

}  // namespace kernels::cli
