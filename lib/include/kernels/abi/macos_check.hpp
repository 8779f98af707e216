#pragma once

// The minimum-macOS check of a Mach-O file against the oldest macOS a kernel must run on.

#include <vector>

#include "kernels/abi/abi_problem.hpp"
#include "kernels/abi/macho_reader.hpp"

namespace kernels {

// Per slice: no minimum version declared (macos_missing) or one newer than `target`
// (macos_too_new). A fat file names the slice's CPU in the message.
[[nodiscard]] std::vector<AbiProblem> check_macos(const MachOInfo& macho, MacOsVersion target);

}  // namespace kernels
