#pragma once

// One thing `kernels check --abi` found wrong with a kernel's binaries or layout.

#include <string>
#include <string_view>

namespace kernels {

enum class AbiProblemKind {
  malformed,              // the file claims a binary format but is truncated or inconsistent
  unsupported_format,     // a shared object that is neither ELF nor Mach-O
  architecture,           // the manylinux policy has no rules for the ELF file's machine
  symbol_version,         // a symbol-version requirement the manylinux policy does not allow
  library,                // a needed library the manylinux policy does not allow
  python_abi_too_new,     // a stable-ABI symbol added after the target Python version
  python_not_stable_abi,  // a Python C-API symbol outside the stable ABI
  macos_too_new,          // the declared minimum macOS is newer than the target
  macos_missing,          // no minimum macOS version declared
  layout,                 // build/ or a variant directory is not laid out as the Hub expects
};

// "malformed", "symbol_version", ...: the `kind` of the --json output.
[[nodiscard]] std::string_view to_string(AbiProblemKind kind);

struct AbiProblem {
  AbiProblemKind kind = AbiProblemKind::malformed;
  // One line that names the offending thing and says what is wrong.
  std::string message;
  // The symbol, library or file the problem is about, and the version involved (GLIBC_2.34,
  // 3.12, 11.3); empty where they do not apply.
  std::string subject;
  std::string version;
  friend bool operator==(const AbiProblem&, const AbiProblem&) = default;
};

}  // namespace kernels
