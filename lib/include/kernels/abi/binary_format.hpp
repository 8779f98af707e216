#pragma once

// Which kind of binary a file is, from its first bytes.

#include <cstddef>
#include <span>
#include <string_view>

namespace kernels {

enum class BinaryFormat { elf, mach_o, mach_o_fat, pe, unknown };

[[nodiscard]] BinaryFormat detect_binary_format(std::span<const std::byte> head);

// "ELF", "Mach-O", "Mach-O universal (fat)", "PE/COFF", "unknown".
[[nodiscard]] std::string_view to_string(BinaryFormat format);

}  // namespace kernels
