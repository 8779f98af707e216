#pragma once

// What a variant is chosen for: the OS, CPU, framework versions and backend of one process
// (reference/kernels-spec.md section 5.2). This is a plain description that callers fill in;
// detecting the running system is the system layer's job.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/export.hpp"
#include "kernels/model/variant.hpp"

namespace kernels {

// A macOS product version: "15.7", "26.0", "15.7.1". The patch number is kept when the system
// reports one because the reference prints the version as reported in its Metal rejection reason.
struct MacOsVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::optional<std::uint32_t> patch;

  // Compares as release numbers, a missing patch counting as 0 (15.7 == 15.7.0 < 15.7.1).
  friend constexpr std::strong_ordering operator<=>(const MacOsVersion& a, const MacOsVersion& b) {
    if (const auto order = a.major <=> b.major; order != 0) return order;
    if (const auto order = a.minor <=> b.minor; order != 0) return order;
    return a.patch.value_or(0) <=> b.patch.value_or(0);
  }
  friend constexpr bool operator==(const MacOsVersion& a, const MacOsVersion& b) {
    return (a <=> b) == 0;
  }
};

// "15.7" or "15.7.1".
[[nodiscard]] KERNELS_API std::string to_string(const MacOsVersion& version);

// Parses "MAJOR.MINOR" or "MAJOR.MINOR.PATCH", as `sw_vers -productVersion` prints it.
[[nodiscard]] KERNELS_API Result<MacOsVersion> parse_macos_version(std::string_view text);

struct SystemInfo {
  // Lowercase OS name as variant names spell it: "linux", "darwin", "windows".
  std::string os;
  // CPU as variant names spell it: "x86_64", "aarch64" (macOS arm64 and Windows AMD64 normalised).
  std::string cpu;
  // Major.minor of the Torch in the process; empty without Torch (then only noarch and
  // non-Torch variants can be accepted).
  std::optional<MajorMinor> torch_version;
  // Whether that Torch uses the C++11 ABI; known on Linux only, empty elsewhere.
  std::optional<bool> torch_cxx11_abi;
  // The selected backend. For CUDA the version is the CUDA that Torch was built with, never the
  // driver's.
  Backend backend;
  // Set on macOS only; Metal variants need 26.0 or later.
  std::optional<MacOsVersion> macos_version;
  // Major.minor of tvm-ffi when it is available.
  std::optional<MajorMinor> tvm_ffi_version;
};

}  // namespace kernels
