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

namespace kernels {

// A macOS version as Mach-O encodes it (xxxx.yy.zz in a 32-bit word).
struct MacOsVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;
  friend constexpr auto operator<=>(const MacOsVersion&, const MacOsVersion&) = default;
};

// "11.3", "10.9.2": the patch only when it is not zero.
[[nodiscard]] std::string to_string(const MacOsVersion& version);

// Parses "15", "15.0" or "10.13.6".
[[nodiscard]] Result<MacOsVersion> parse_macos_version(std::string_view text);

struct MachOSlice {
  std::string cpu;  // "x86_64", "arm64", "i386", "arm64e", ... or "cpu_<number>"
  bool is_64bit = false;
  std::optional<MacOsVersion> min_macos;
  std::string min_macos_source;  // "LC_BUILD_VERSION" or "LC_VERSION_MIN_MACOSX"
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
