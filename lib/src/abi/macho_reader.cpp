#include "kernels/abi/macho_reader.hpp"

#include <string_view>

#include "byte_reader.hpp"

namespace kernels {
namespace {

using abi_detail::ByteReader;

constexpr std::uint32_t kMhMagic = 0xfeedfaceU;
constexpr std::uint32_t kMhMagic64 = 0xfeedfacfU;
constexpr std::uint32_t kMhCigam = 0xcefaedfeU;
constexpr std::uint32_t kMhCigam64 = 0xcffaedfeU;
constexpr std::uint32_t kFatMagic = 0xcafebabeU;
constexpr std::uint32_t kFatMagic64 = 0xcafebabfU;

constexpr std::uint32_t kLcSymtab = 0x2;
constexpr std::uint32_t kLcVersionMinMacosx = 0x24;
constexpr std::uint32_t kLcBuildVersion = 0x32;
constexpr std::uint32_t kPlatformMacos = 1;

constexpr std::uint8_t kNStab = 0xe0;
constexpr std::uint8_t kNType = 0x0e;
constexpr std::uint8_t kNExt = 0x01;
constexpr std::uint8_t kNUndf = 0x00;

constexpr std::uint32_t kCpuArch64 = 0x01000000U;
constexpr std::uint32_t kCpuArch64_32 = 0x02000000U;

// What is wrong, without the "malformed Mach-O file: " that read_macho puts in front.
tl::unexpected<Error> malformed(const std::string& what) {
  return fail(ErrorCode::invalid_input, what);
}

std::string cpu_name(std::uint32_t type, std::uint32_t subtype) {
  switch (type) {
    case 7:
      return "i386";
    case 7 | kCpuArch64:
      return "x86_64";
    case 12:
      return "arm";
    case 12 | kCpuArch64:
      return (subtype & 0xffU) == 2 ? "arm64e" : "arm64";
    case 12 | kCpuArch64_32:
      return "arm64_32";
    case 18:
      return "ppc";
    case 18 | kCpuArch64:
      return "ppc64";
    default:
      return "cpu_" + std::to_string(type);
  }
}

MacOsVersion decode_version(std::uint32_t packed) {
  MacOsVersion version{packed >> 16U, (packed >> 8U) & 0xffU, std::nullopt};
  if ((packed & 0xffU) != 0) version.patch = packed & 0xffU;
  return version;
}

// Symbol names are read within this many bytes in all, so that a symbol table whose entries all
// point at one long string cannot make the reader copy it once per entry.
std::uint64_t name_budget(std::uint64_t slice_size) {
  return 16 * slice_size + 65536;
}

struct SymtabCommand {
  std::uint64_t symoff = 0;
  std::uint64_t nsyms = 0;
  std::uint64_t stroff = 0;
  std::uint64_t strsize = 0;
};

Result<void> read_symbols(const ByteReader& reader, const SymtabCommand& symtab, bool is_64bit,
                          MachOSlice& slice) {
  const std::uint64_t entry_size = is_64bit ? 16 : 12;
  if (!reader.has(symtab.stroff, symtab.strsize)) {
    return malformed("the string table lies outside the file");
  }
  if (symtab.nsyms > reader.size() / entry_size ||
      !reader.has(symtab.symoff, symtab.nsyms * entry_size)) {
    return malformed("the symbol table lies outside the file");
  }
  std::uint64_t budget = name_budget(reader.size());
  const std::uint64_t strings_end = symtab.stroff + symtab.strsize;
  for (std::uint64_t i = 0; i < symtab.nsyms; ++i) {
    const std::uint64_t at = symtab.symoff + i * entry_size;
    const auto strx = reader.u32(at);
    const auto type = reader.u8(at + 4);
    if (!strx || !type) return malformed("truncated symbol table");
    if ((*type & kNStab) != 0 || (*type & kNType) != kNUndf || (*type & kNExt) == 0) continue;
    if (*strx >= symtab.strsize) return malformed("a symbol name lies outside the string table");
    auto name = reader.c_string(symtab.stroff + *strx, strings_end);
    if (!name) return malformed("a symbol name runs past the string table");
    if (name->size() + 1 > budget) return malformed("the symbol names repeat beyond any real file");
    budget -= name->size() + 1;
    if (name->starts_with('_')) name->erase(0, 1);
    if (!name->empty()) slice.imported_symbols.push_back(std::move(*name));
  }
  return {};
}

Result<MachOSlice> read_thin(std::span<const std::byte> bytes) {
  const auto magic = ByteReader(bytes, false).u32(0);
  if (!magic) return malformed("shorter than a Mach-O header");
  const bool is_64bit = *magic == kMhMagic64 || *magic == kMhCigam64;
  const bool big_endian = *magic == kMhCigam || *magic == kMhCigam64;
  if (*magic != kMhMagic && *magic != kMhMagic64 && !big_endian) {
    return malformed("no Mach-O magic number");
  }
  const ByteReader reader(bytes, big_endian);
  const std::uint64_t header_size = is_64bit ? 32 : 28;
  const auto cputype = reader.u32(4);
  const auto cpusubtype = reader.u32(8);
  const auto ncmds = reader.u32(16);
  const auto sizeofcmds = reader.u32(20);
  if (!cputype || !cpusubtype || !ncmds || !sizeofcmds || !reader.has(0, header_size)) {
    return malformed("truncated Mach-O header");
  }
  if (!reader.has(header_size, *sizeofcmds)) return malformed("the load commands run past the end");
  if (*ncmds > *sizeofcmds / 8) return malformed("more load commands than their size can hold");

  MachOSlice slice;
  slice.cpu = cpu_name(*cputype, *cpusubtype);
  slice.is_64bit = is_64bit;
  std::optional<SymtabCommand> symtab;
  const std::uint64_t commands_end = header_size + *sizeofcmds;
  std::uint64_t at = header_size;
  for (std::uint32_t i = 0; i < *ncmds; ++i) {
    const auto cmd = reader.u32(at);
    const auto cmdsize = reader.u32(at + 4);
    if (!cmd || !cmdsize || at + 8 > commands_end) return malformed("truncated load command");
    if (*cmdsize < 8 || *cmdsize % 4 != 0 || *cmdsize > commands_end - at) {
      return malformed("load command " + std::to_string(i) + " has an invalid size");
    }
    if (*cmd == kLcBuildVersion) {
      if (*cmdsize < 24) return malformed("LC_BUILD_VERSION is too short");
      const auto platform = reader.u32(at + 8);
      const auto minos = reader.u32(at + 12);
      if (*platform == kPlatformMacos && !slice.min_macos) {
        slice.min_macos = decode_version(*minos);
        slice.min_macos_source = "LC_BUILD_VERSION";
      }
    } else if (*cmd == kLcVersionMinMacosx) {
      if (*cmdsize < 16) return malformed("LC_VERSION_MIN_MACOSX is too short");
      if (!slice.min_macos) {
        slice.min_macos = decode_version(*reader.u32(at + 8));
        slice.min_macos_source = "LC_VERSION_MIN_MACOSX";
      }
    } else if (*cmd == kLcSymtab) {
      if (*cmdsize < 24) return malformed("LC_SYMTAB is too short");
      symtab = SymtabCommand{*reader.u32(at + 8), *reader.u32(at + 12), *reader.u32(at + 16),
                             *reader.u32(at + 20)};
    }
    at += *cmdsize;
  }
  if (symtab) {
    if (auto read = read_symbols(reader, *symtab, is_64bit, slice); !read) {
      return tl::unexpected(read.error());
    }
  }
  return slice;
}

Result<MachOInfo> read_fat(std::span<const std::byte> bytes, bool is_64bit) {
  const ByteReader reader(bytes, true);
  const auto count = reader.u32(4);
  if (!count) return malformed("truncated universal (fat) header");
  if (*count == 0 || *count > kMaxFatSlices) {
    return malformed("a universal (fat) header with " + std::to_string(*count) +
                     " architectures (1 to " + std::to_string(kMaxFatSlices) + " expected)");
  }
  const std::uint64_t entry_size = is_64bit ? 32 : 20;
  MachOInfo info;
  info.fat = true;
  for (std::uint32_t i = 0; i < *count; ++i) {
    const std::uint64_t at = 8 + i * entry_size;
    if (!reader.has(at, entry_size)) return malformed("truncated universal (fat) header");
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    if (is_64bit) {
      offset = *reader.u64(at + 8);
      size = *reader.u64(at + 16);
    } else {
      offset = *reader.u32(at + 8);
      size = *reader.u32(at + 12);
    }
    if (!reader.has(offset, size)) {
      return malformed("architecture " + std::to_string(i) + " lies outside the file");
    }
    const auto slice_bytes =
        bytes.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
    const auto inner = ByteReader(slice_bytes, true).u32(0);
    if (inner && (*inner == kFatMagic || *inner == kFatMagic64)) {
      return malformed("a universal (fat) file nested in another");
    }
    auto slice = read_thin(slice_bytes);
    if (!slice) {
      return malformed("architecture " + std::to_string(i) + ": " + slice.error().message);
    }
    info.slices.push_back(std::move(*slice));
  }
  return info;
}

}  // namespace

Result<MachOInfo> read_macho(std::span<const std::byte> bytes) {
  const auto magic = ByteReader(bytes, true).u32(0);
  Result<MachOInfo> info = [&]() -> Result<MachOInfo> {
    if (!magic) return malformed("shorter than a Mach-O header");
    if (*magic == kFatMagic || *magic == kFatMagic64) return read_fat(bytes, *magic == kFatMagic64);
    auto slice = read_thin(bytes);
    if (!slice) return tl::unexpected(slice.error());
    MachOInfo thin;
    thin.slices.push_back(std::move(*slice));
    return thin;
  }();
  if (!info) info.error().message = "malformed Mach-O file: " + info.error().message;
  return info;
}

}  // namespace kernels
