#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace kernels {

// What kind of failure an Error is. The CLI maps each kind to one exit code (DESIGN.md):
// callers decide on the kind, never on the message text.
enum class ErrorCode {
  failure,           // anything without a more specific kind
  usage,             // the user asked for something malformed on the command line
  invalid_input,     // a file or value we read is malformed (lockfile, config, specifier, JSON)
  io,                // reading or writing the local file system failed
  lock_out_of_date,  // kernels.lock is missing or differs from what `kernels lock` would write
  integrity,         // a hash or size does not match what the lock or the Hub promised
  network,           // the Hub or the network failed
  not_found,         // a repo, version, revision, file or variant does not exist
  not_implemented,   // a command that exists as a parser only
};

// An error that says what went wrong, where, and what to do about it.
// `location` is where the problem is: "file:line:col", a JSON path such as "$[0].sha", or a URL
// (never with credentials in it). It may be empty.
struct Error {
  ErrorCode code = ErrorCode::failure;
  std::string message;
  std::string location;

  // "location: message", or just the message when there is no location.
  [[nodiscard]] std::string describe() const {
    if (location.empty()) return message;
    return location + ": " + message;
  }
};

template <class T>
using Result = tl::expected<T, Error>;

// Builds the unexpected value a Result-returning function returns on failure.
[[nodiscard]] inline tl::unexpected<Error> fail(ErrorCode code, std::string message,
                                                std::string location = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(location)});
}

[[nodiscard]] constexpr std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::failure: return "failure";
    case ErrorCode::usage: return "usage";
    case ErrorCode::invalid_input: return "invalid_input";
    case ErrorCode::io: return "io";
    case ErrorCode::lock_out_of_date: return "lock_out_of_date";
    case ErrorCode::integrity: return "integrity";
    case ErrorCode::network: return "network";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::not_implemented: return "not_implemented";
  }
  return "failure";
}

}  // namespace kernels
