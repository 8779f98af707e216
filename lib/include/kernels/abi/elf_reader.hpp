#pragma once

// What `kernels check --abi` needs from an ELF shared object, read with libelf: the machine, the
// libraries it needs (DT_NEEDED), its symbol-version requirements (.gnu.version_r) and its
// undefined dynamic symbols with the version each one requires.
//
// The input is untrusted (a kernel from the Hub): every offset and count is checked, a malformed or
// truncated file is ErrorCode::invalid_input saying so, and nothing is allocated beyond a bounded
// multiple of the input's size.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "kernels/error.hpp"

namespace kernels {

// One entry of the version-requirement section: `version` (GLIBC_2.34) of `library` (libc.so.6).
struct ElfVersionNeed {
  std::string library;
  std::string version;
  friend bool operator==(const ElfVersionNeed&, const ElfVersionNeed&) = default;
};

// An undefined dynamic symbol. `version` and `library` are empty for an unversioned one.
struct ElfImportedSymbol {
  std::string name;
  std::string version;
  std::string library;
  friend bool operator==(const ElfImportedSymbol&, const ElfImportedSymbol&) = default;
};

struct ElfInfo {
  // auditwheel's architecture names: x86_64, i686, aarch64, armv7l, ppc64, ppc64le, s390x,
  // riscv64; otherwise "EM_<number>".
  std::string machine;
  bool is_64bit = false;
  bool is_shared_object = false;  // ET_DYN
  std::vector<std::string> needed;
  std::vector<ElfVersionNeed> version_needs;
  std::vector<ElfImportedSymbol> imported_symbols;
};

// Parses an ELF image held in memory (the fuzzing entry point). `bytes` is copied first: libelf
// may convert data in place. (read_binary_file in binary_file.hpp reads a file without the copy.)
[[nodiscard]] Result<ElfInfo> read_elf(std::span<const std::byte> bytes);

}  // namespace kernels
