#include "system/elf_strings.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace kernels::system_detail {
namespace {

constexpr std::uint32_t kSectionDynamicSymbols = 11;  // SHT_DYNSYM
// libc10.so's dynamic strings are a few hundred KiB; libtorch_cpu.so's tens of MiB.
constexpr std::uint64_t kMaxStringTable = 256ULL << 20U;
constexpr std::uint64_t kMaxSections = 1U << 16U;

// Reads little- or big-endian integers out of a byte buffer.
class Fields {
 public:
  Fields(const unsigned char* bytes, bool big_endian) : bytes_(bytes), big_endian_(big_endian) {}
  [[nodiscard]] std::uint64_t read(std::size_t offset, std::size_t width) const {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t index = big_endian_ ? offset + i : offset + width - 1 - i;
      value = (value << 8U) | bytes_[index];
    }
    return value;
  }

 private:
  const unsigned char* bytes_;
  bool big_endian_;
};

// Where each header field is in ELF32 and ELF64 files.
struct Layout {
  std::size_t header_size, shoff, shoff_width, shentsize, shnum;
  std::size_t section_size, sh_type, sh_offset, sh_size, sh_link, word_width;
};
constexpr Layout kElf32{52, 0x20, 4, 0x2E, 0x30, 40, 4, 16, 20, 24, 4};
constexpr Layout kElf64{64, 0x28, 8, 0x3A, 0x3C, 64, 4, 24, 32, 40, 8};

bool read_at(std::ifstream& in, std::uint64_t offset, char* out, std::uint64_t size) {
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in) return false;
  in.read(out, static_cast<std::streamsize>(size));
  return static_cast<std::uint64_t>(in.gcount()) == size;
}

Error elf_error(const std::filesystem::path& file, std::string message) {
  return Error{ErrorCode::invalid_input, std::move(message), file.string()};
}

}  // namespace

Result<bool> elf_dynamic_strings_contain(const std::filesystem::path& file,
                                         std::string_view needle) {
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(file, ec);
  if (ec) return fail(ErrorCode::io, "cannot read: " + ec.message(), file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io, "cannot open for reading", file.string());

  std::array<unsigned char, 64> header{};
  const std::uint64_t header_read = std::min<std::uint64_t>(file_size, header.size());
  if (header_read < kElf32.header_size ||
      !read_at(in, 0, reinterpret_cast<char*>(header.data()), header_read) || header[0] != 0x7F ||
      header[1] != 'E' || header[2] != 'L' || header[3] != 'F') {
    return tl::unexpected(elf_error(file, "not an ELF file"));
  }
  if ((header[4] != 1 && header[4] != 2) || (header[5] != 1 && header[5] != 2)) {
    return tl::unexpected(elf_error(file, "unknown ELF class or byte order"));
  }
  const Layout& layout = header[4] == 2 ? kElf64 : kElf32;
  if (header_read < layout.header_size) {
    return tl::unexpected(elf_error(file, "truncated ELF header"));
  }
  const Fields fields(header.data(), header[5] == 2);
  const std::uint64_t shoff = fields.read(layout.shoff, layout.shoff_width);
  const std::uint64_t shentsize = fields.read(layout.shentsize, 2);
  std::uint64_t shnum = fields.read(layout.shnum, 2);
  if (shoff == 0 || shentsize < layout.section_size || shoff >= file_size) {
    return tl::unexpected(elf_error(file, "no usable section headers"));
  }

  const auto section_header = [&](std::uint64_t index) -> Result<std::vector<unsigned char>> {
    const std::uint64_t offset = shoff + index * shentsize;
    std::vector<unsigned char> bytes(layout.section_size);
    if (offset > file_size || file_size - offset < layout.section_size ||
        !read_at(in, offset, reinterpret_cast<char*>(bytes.data()), bytes.size())) {
      return tl::unexpected(elf_error(file, "section header outside the file"));
    }
    return bytes;
  };
  const bool big_endian = header[5] == 2;
  if (shnum == 0) {
    // Extended numbering: the count is in section 0's sh_size.
    auto first = section_header(0);
    if (!first) return tl::unexpected(first.error());
    shnum = Fields(first->data(), big_endian).read(layout.sh_size, layout.word_width);
  }
  if (shnum > kMaxSections) return tl::unexpected(elf_error(file, "too many sections"));

  for (std::uint64_t index = 0; index < shnum; ++index) {
    auto symbols = section_header(index);
    if (!symbols) return tl::unexpected(symbols.error());
    const Fields symbol_fields(symbols->data(), big_endian);
    if (symbol_fields.read(layout.sh_type, 4) != kSectionDynamicSymbols) continue;

    const std::uint64_t link = symbol_fields.read(layout.sh_link, 4);
    if (link == 0 || link >= shnum) {
      return tl::unexpected(elf_error(file, "dynamic symbols link to no string table"));
    }
    auto strings = section_header(link);
    if (!strings) return tl::unexpected(strings.error());
    const Fields string_fields(strings->data(), big_endian);
    const std::uint64_t offset = string_fields.read(layout.sh_offset, layout.word_width);
    const std::uint64_t size = string_fields.read(layout.sh_size, layout.word_width);
    if (offset > file_size || file_size - offset < size || size > kMaxStringTable) {
      return tl::unexpected(elf_error(file, "dynamic string table outside the file"));
    }
    std::string table(size, '\0');
    if (!read_at(in, offset, table.data(), size)) {
      return tl::unexpected(elf_error(file, "cannot read the dynamic string table"));
    }
    return table.find(needle) != std::string::npos;
  }
  return tl::unexpected(elf_error(file, "no dynamic symbol table"));
}

}  // namespace kernels::system_detail
