#include "kernels/abi/binary_format.hpp"

#include <array>
#include <cstdint>

namespace kernels {
namespace {

bool starts_with(std::span<const std::byte> head, std::array<std::uint8_t, 4> magic) {
  if (head.size() < magic.size()) return false;
  for (std::size_t i = 0; i < magic.size(); ++i) {
    if (std::to_integer<std::uint8_t>(head[i]) != magic[i]) return false;
  }
  return true;
}

}  // namespace

BinaryFormat detect_binary_format(std::span<const std::byte> head) {
  if (starts_with(head, {0x7f, 'E', 'L', 'F'})) return BinaryFormat::elf;
  // MH_MAGIC, MH_MAGIC_64 and their byte-swapped forms, as they appear in the file.
  if (starts_with(head, {0xce, 0xfa, 0xed, 0xfe}) || starts_with(head, {0xcf, 0xfa, 0xed, 0xfe}) ||
      starts_with(head, {0xfe, 0xed, 0xfa, 0xce}) || starts_with(head, {0xfe, 0xed, 0xfa, 0xcf})) {
    return BinaryFormat::mach_o;
  }
  // FAT_MAGIC and FAT_MAGIC_64 (always big-endian). Java class files share 0xcafebabe; the Mach-O
  // reader tells them apart by the slice count.
  if (starts_with(head, {0xca, 0xfe, 0xba, 0xbe}) || starts_with(head, {0xca, 0xfe, 0xba, 0xbf})) {
    return BinaryFormat::mach_o_fat;
  }
  if (head.size() >= 2 && std::to_integer<char>(head[0]) == 'M' &&
      std::to_integer<char>(head[1]) == 'Z') {
    return BinaryFormat::pe;
  }
  return BinaryFormat::unknown;
}

std::string_view to_string(BinaryFormat format) {
  switch (format) {
    case BinaryFormat::elf:
      return "ELF";
    case BinaryFormat::mach_o:
      return "Mach-O";
    case BinaryFormat::mach_o_fat:
      return "Mach-O universal (fat)";
    case BinaryFormat::pe:
      return "PE/COFF";
    case BinaryFormat::unknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace kernels
