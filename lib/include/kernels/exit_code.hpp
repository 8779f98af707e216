#pragma once

#include "kernels/error.hpp"

namespace kernels {

// The process exit codes of DESIGN.md. They are part of the interface: scripts and CI depend on
// them. The `kernels` command, the loader's C API (kernels_status) and programs built on the
// library (examples/kernelize) report failures with the same numbers.
enum class ExitCode : int {
  ok = 0,
  failure = 1,
  usage = 2,
  lock_out_of_date = 3,
  integrity = 4,
  network = 5,
  not_found = 6,
};

// The one place where a library error kind becomes an exit code.
[[nodiscard]] constexpr ExitCode exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::usage:
      return ExitCode::usage;
    case ErrorCode::lock_out_of_date:
      return ExitCode::lock_out_of_date;
    case ErrorCode::integrity:
      return ExitCode::integrity;
    case ErrorCode::network:
      return ExitCode::network;
    case ErrorCode::not_found:
      return ExitCode::not_found;
    case ErrorCode::failure:
    case ErrorCode::invalid_input:
    case ErrorCode::io:
    case ErrorCode::not_implemented:
      return ExitCode::failure;
  }
  return ExitCode::failure;
}

[[nodiscard]] constexpr int to_int(ExitCode code) {
  return static_cast<int>(code);
}

}  // namespace kernels
