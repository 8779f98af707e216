#pragma once

// What `kernels check --abi` needs from a Mach-O file: per architecture slice (one for a thin
// file, several for a fat/universal one) the minimum macOS version it declares
// (LC_BUILD_VERSION with platform macOS, or the older LC_VERSION_MIN_MACOSX) and its undefined
// external symbols.
//
// A hand-written reader over a byte span: the input is untrusted, so every offset, size and count
// is checked against the buffer, and a malformed or truncated file is ErrorCode::invalid_input.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/system_info.hpp"

namespace kernels {

struct MachOSlice {
  std::string cpu;  // "x86_64", "arm64", "i386", "arm64e", ... or "cpu_<number>"
  bool is_64bit = false;
  std::optional<MacOsVersion> min_macos;  // Mach-O packs it as xxxx.yy.zz; patch set when not 0
  std::string min_macos_source;           // "LC_BUILD_VERSION" or "LC_VERSION_MIN_MACOSX"
  // Undefined external symbols with the leading '_' of the C name mangling removed.
  std::vector<std::string> imported_symbols;
};

struct MachOInfo {
  bool fat = false;
  std::vector<MachOSlice> slices;
};

// Limits that keep a hostile file from making the reader loop or allocate without bound.
inline constexpr std::uint32_t kMaxFatSlices = 64;

[[nodiscard]] Result<MachOInfo> read_macho(std::span<const std::byte> bytes);

}  // namespace kernels
