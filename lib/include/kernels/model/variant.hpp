#pragma once

// Build-variant names: the folder names under `build/` in a kernel repository, such as
// `torch210-cxx11-cu128-x86_64-linux` or `torch-cuda` (reference/kernels-spec.md section 5.1).
//
// Names come from untrusted Hub listings and end up in cache paths, so parse_variant is strict:
// it accepts only names that the reference's grammar accepts AND that to_string regenerates byte
// for byte. Everything else is an error saying why, never a silent rewrite.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "kernels/error.hpp"
#include "kernels/export.hpp"

namespace kernels {

// A `major.minor` version as variant names encode it (torch 2.10, CUDA 12.8, XPU 2025.3).
struct MajorMinor {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;

  friend constexpr auto operator<=>(const MajorMinor&, const MajorMinor&) = default;
};

// "12.8", as the reference prints a version in rejection reasons.
[[nodiscard]] KERNELS_API std::string to_string(MajorMinor version);

// The compute backend of a variant or of the running system.
enum class BackendKind { cpu, metal, neuron, tpu, cuda, rocm, xpu, cann };

// True for the kinds whose variant names carry a version (cu128, rocm70, xpu20253, cann80).
[[nodiscard]] constexpr bool is_versioned(BackendKind kind) {
  return kind == BackendKind::cuda || kind == BackendKind::rocm || kind == BackendKind::xpu ||
         kind == BackendKind::cann;
}

// The backend's short name: "cpu", "metal", "neuron", "tpu", "cuda", "rocm", "xpu", "cann".
[[nodiscard]] KERNELS_API std::string_view backend_name(BackendKind kind);

struct Backend {
  BackendKind kind = BackendKind::cpu;
  // Set for the versioned kinds (is_versioned); ignored, and left empty by parsing, for the others.
  std::optional<MajorMinor> version;

  friend bool operator==(const Backend&, const Backend&) = default;
};

// The backend as a variant name spells it: "cpu", "metal", "cu128", "rocm70", "xpu20253".
// A versioned kind without a version is spelled by its prefix alone ("cu"), which no variant
// name matches.
[[nodiscard]] KERNELS_API std::string to_string(const Backend& backend);

// Parses the backend part of a variant name. For cu/rocm/xpu/cann every digit but the last is the
// major version and the last digit is the minor (cu128 -> 12.8, cu90 -> 9.0, xpu20253 -> 2025.3).
[[nodiscard]] KERNELS_API Result<Backend> parse_backend(std::string_view text);

// `torch<M><m>[-cxx11|-cxx98]`: a build for one Torch major.minor. cxx11_abi is empty when the name
// has no ABI tag (such a build accepts either ABI), true for `-cxx11`, false for `-cxx98`.
struct TorchFramework {
  MajorMinor version;
  std::optional<bool> cxx11_abi;

  friend bool operator==(const TorchFramework&, const TorchFramework&) = default;
};

// `torch-stable-abi<M><m>`: a build against Torch's stable ABI, usable with that Torch or newer.
struct TorchStableAbiFramework {
  MajorMinor version;

  friend bool operator==(const TorchStableAbiFramework&, const TorchStableAbiFramework&) = default;
};

// `tvm-ffi<M><m>`: a build for one tvm-ffi major.minor (the first digit is the major).
struct TvmFfiFramework {
  MajorMinor version;

  friend bool operator==(const TvmFfiFramework&, const TvmFfiFramework&) = default;
};

using Framework = std::variant<TorchFramework, TorchStableAbiFramework, TvmFfiFramework>;

// The framework part of a variant name: "torch210-cxx11", "torch-stable-abi211", "tvm-ffi01".
[[nodiscard]] KERNELS_API std::string to_string(const Framework& framework);

// `<backend>-<cpu>-<os>`, e.g. `cu128-x86_64-linux`. cpu and os are kept as written.
struct Arch {
  Backend backend;
  std::string cpu;
  std::string os;

  friend bool operator==(const Arch&, const Arch&) = default;
};

// A variant built for one framework version, backend, CPU and OS.
struct ArchVariant {
  Framework framework;
  Arch arch;

  friend bool operator==(const ArchVariant&, const ArchVariant&) = default;
};

// `torch-<name>`: a variant without compiled code for one backend name ("cuda", "cpu", "npu", ...)
// or for every backend ("universal"). The name may itself contain dashes.
struct NoarchVariant {
  std::string backend_name;

  friend bool operator==(const NoarchVariant&, const NoarchVariant&) = default;
};

using Variant = std::variant<ArchVariant, NoarchVariant>;

// Parses a variant name. Errors (ErrorCode::invalid_input) quote the name and say which rule it
// breaks. Besides the reference grammar (section 5.1) a name must:
//   * be 1 to 255 bytes of lowercase ASCII letters, digits, `_` and `-` (so no `/`, `\`, `.`,
//     spaces, control characters or non-ASCII: the name is safe as one path component),
//   * have no empty dash-separated part (no leading, trailing or doubled `-`),
//   * round-trip: to_string(parse_variant(name)) == name, which rules out leading zeros in
//     version numbers (`torch201`, `cu0128`) and anything else the reference would rewrite.
[[nodiscard]] KERNELS_API Result<Variant> parse_variant(std::string_view name);

// The variant's name; the exact inverse of parse_variant for every name it accepts.
[[nodiscard]] KERNELS_API std::string to_string(const Variant& variant);

}  // namespace kernels
