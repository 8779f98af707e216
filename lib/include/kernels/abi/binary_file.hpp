#pragma once

// A shared object of any format the checker knows, read from memory or from a file.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>

#include "kernels/abi/binary_format.hpp"
#include "kernels/abi/elf_reader.hpp"
#include "kernels/abi/macho_reader.hpp"
#include "kernels/error.hpp"

namespace kernels {

struct BinaryFile {
  BinaryFormat format = BinaryFormat::unknown;
  std::optional<ElfInfo> elf;      // set for BinaryFormat::elf
  std::optional<MachOInfo> macho;  // set for BinaryFormat::mach_o and mach_o_fat
};

// Detects the format and reads an ELF or Mach-O image; other formats come back with only
// `format` set. Malformed or truncated: ErrorCode::invalid_input.
[[nodiscard]] Result<BinaryFile> read_binary(std::span<const std::byte> bytes);

// The same for a file, mapped privately (copy on write: the file is never changed, and a large
// shared object is not copied into memory). Cannot open or map it: ErrorCode::io.
[[nodiscard]] Result<BinaryFile> read_binary_file(const std::filesystem::path& path);

}  // namespace kernels
