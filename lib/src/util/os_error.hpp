#pragma once

// Private helpers that turn a failed system call into a kernels::Error.

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "kernels/error.hpp"

namespace kernels::detail {

// The OS's text for an errno value ("No such file or directory"), without the thread-safety
// problems of strerror.
inline std::string os_error_text(int error_number) {
  return std::generic_category().message(error_number);
}

// An ErrorCode::io failure located at `path`: "<what>: <OS error>".
inline tl::unexpected<Error> io_failure(std::string_view what, const std::filesystem::path& path,
                                        int error_number) {
  return fail(ErrorCode::io, std::string(what) + ": " + os_error_text(error_number), path.string());
}

}  // namespace kernels::detail
