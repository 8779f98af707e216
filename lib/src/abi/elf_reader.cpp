#include "kernels/abi/elf_reader.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <gelf.h>
#include <libelf.h>

#include "elf_image.hpp"

namespace kernels {
namespace abi_detail {
namespace {

// EM_LOONGARCH is missing from older <elf.h>.
constexpr unsigned kEmLoongArch = 258;

tl::unexpected<Error> malformed(const std::string& what) {
  return fail(ErrorCode::invalid_input, "malformed ELF file: " + what);
}

tl::unexpected<Error> libelf_failure(const std::string& what) {
  const char* reason = elf_errmsg(-1);
  return malformed(what + " (" + (reason != nullptr ? reason : "libelf error") + ")");
}

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfHandle = std::unique_ptr<Elf, ElfCloser>;

std::string machine_name(unsigned machine, bool is_64bit, bool big_endian) {
  switch (machine) {
    case EM_X86_64:
      return "x86_64";
    case EM_386:
      return "i686";
    case EM_AARCH64:
      return "aarch64";
    case EM_ARM:
      return "armv7l";
    case EM_PPC64:
      return big_endian ? "ppc64" : "ppc64le";
    case EM_S390:
      return is_64bit ? "s390x" : "s390";
    case EM_RISCV:
      return is_64bit ? "riscv64" : "riscv32";
    case kEmLoongArch:
      return "loongarch64";
    default:
      return "EM_" + std::to_string(machine);
  }
}

// Copies strings out of a string table within a budget of bytes in all, so that a table whose
// entries all name one long string cannot make the reader copy it once per entry.
class StringReader {
 public:
  StringReader(Elf* elf, std::size_t image_size) : elf_(elf), budget_(16 * image_size + 65536) {}

  Result<std::string> read(std::size_t section, std::size_t offset, const char* what) {
    const char* text = elf_strptr(elf_, section, offset);
    if (text == nullptr) return malformed(std::string(what) + " lies outside its string table");
    std::string value(text);
    if (value.size() + 1 > budget_)
      return malformed("the string references repeat beyond any real file");
    budget_ -= value.size() + 1;
    return value;
  }

 private:
  Elf* elf_;
  std::size_t budget_;
};

struct Section {
  Elf_Scn* scn = nullptr;
  GElf_Shdr header{};
  Elf_Data* data = nullptr;
};

// libelf's gelf_get* take int indices and offsets: a section too large for them is refused
// rather than read through a wrapped-around index.
constexpr std::size_t kMaxSectionBytes = static_cast<std::size_t>(std::numeric_limits<int>::max());

Result<std::optional<Section>> find_section(Elf* elf, std::uint32_t type) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    Section section;
    section.scn = scn;
    if (gelf_getshdr(scn, &section.header) == nullptr) return libelf_failure("bad section header");
    if (section.header.sh_type != type) continue;
    section.data = elf_getdata(scn, nullptr);
    if (section.data == nullptr) return libelf_failure("a section lies outside the file");
    if (section.data->d_size > kMaxSectionBytes) return malformed("a section is larger than 2 GiB");
    return std::optional<Section>(section);
  }
  return std::optional<Section>();
}

Result<std::vector<std::string>> read_needed(Elf* elf, StringReader& strings) {
  auto dynamic = find_section(elf, SHT_DYNAMIC);
  if (!dynamic) return tl::unexpected(dynamic.error());
  std::vector<std::string> needed;
  if (!*dynamic) return needed;
  const Section& section = **dynamic;
  const std::size_t entry_size = gelf_fsize(elf, ELF_T_DYN, 1, EV_CURRENT);
  if (entry_size == 0) return libelf_failure("no size for dynamic entries");
  const std::size_t count = section.data->d_size / entry_size;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Dyn entry{};
    if (gelf_getdyn(section.data, static_cast<int>(i), &entry) == nullptr) {
      return libelf_failure("unreadable dynamic entry");
    }
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag != DT_NEEDED) continue;
    auto name = strings.read(section.header.sh_link, entry.d_un.d_val, "a DT_NEEDED name");
    if (!name) return tl::unexpected(name.error());
    needed.push_back(std::move(*name));
  }
  return needed;
}

// Version index (as .gnu.version holds it) -> the requirement it names.
using VersionTable = std::map<std::uint16_t, ElfVersionNeed>;

Result<void> read_version_needs(Elf* elf, StringReader& strings, std::vector<ElfVersionNeed>& needs,
                                VersionTable& by_index) {
  auto found = find_section(elf, SHT_GNU_verneed);
  if (!found) return tl::unexpected(found.error());
  if (!*found) return {};
  const Section& section = **found;
  const std::size_t size = section.data->d_size;
  // Every real entry takes its own bytes, so no more entries than this fit; more means that
  // entries overlap, which only a hostile file does.
  std::size_t aux_budget = size / sizeof(GElf_Vernaux) + 1;
  std::size_t offset = 0;
  for (std::uint64_t i = 0; i < section.header.sh_info; ++i) {
    GElf_Verneed need{};
    if (offset > size ||
        gelf_getverneed(section.data, static_cast<int>(offset), &need) == nullptr) {
      return malformed("a version requirement lies outside .gnu.version_r");
    }
    auto library =
        strings.read(section.header.sh_link, need.vn_file, "a version requirement's file");
    if (!library) return tl::unexpected(library.error());
    std::size_t aux_offset = offset + need.vn_aux;
    for (std::uint32_t j = 0; j < need.vn_cnt; ++j) {
      GElf_Vernaux aux{};
      if (aux_budget-- == 0) return malformed("version requirements overlap");
      if (aux_offset > size ||
          gelf_getvernaux(section.data, static_cast<int>(aux_offset), &aux) == nullptr) {
        return malformed("a version requirement lies outside .gnu.version_r");
      }
      auto version = strings.read(section.header.sh_link, aux.vna_name, "a version name");
      if (!version) return tl::unexpected(version.error());
      ElfVersionNeed entry{*library, std::move(*version)};
      by_index[static_cast<std::uint16_t>(aux.vna_other & 0x7fffU)] = entry;
      needs.push_back(std::move(entry));
      if (aux.vna_next == 0) break;
      aux_offset += aux.vna_next;
    }
    if (need.vn_next == 0) break;
    offset += need.vn_next;
  }
  return {};
}

Result<std::vector<ElfImportedSymbol>> read_imports(Elf* elf, StringReader& strings,
                                                    const VersionTable& versions) {
  auto dynsym = find_section(elf, SHT_DYNSYM);
  if (!dynsym) return tl::unexpected(dynsym.error());
  std::vector<ElfImportedSymbol> imports;
  if (!*dynsym) return imports;
  auto versym = find_section(elf, SHT_GNU_versym);
  if (!versym) return tl::unexpected(versym.error());
  const Section& symbols = **dynsym;
  const std::size_t entry_size = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
  if (entry_size == 0) return libelf_failure("no size for symbols");
  const std::size_t count = symbols.data->d_size / entry_size;
  // Entry 0 is the reserved null symbol.
  for (std::size_t i = 1; i < count; ++i) {
    GElf_Sym symbol{};
    if (gelf_getsym(symbols.data, static_cast<int>(i), &symbol) == nullptr) {
      return libelf_failure("unreadable dynamic symbol");
    }
    if (symbol.st_shndx != SHN_UNDEF || symbol.st_name == 0) continue;
    auto name = strings.read(symbols.header.sh_link, symbol.st_name, "a symbol name");
    if (!name) return tl::unexpected(name.error());
    ElfImportedSymbol imported{std::move(*name), {}, {}};
    if (*versym) {
      GElf_Versym index = 0;
      if (gelf_getversym((*versym)->data, static_cast<int>(i), &index) == nullptr) {
        return malformed(".gnu.version is shorter than the dynamic symbol table");
      }
      // 0 is local, 1 global (unversioned); the others name a requirement (or a definition,
      // which an undefined symbol does not use).
      const auto found = versions.find(static_cast<std::uint16_t>(index & 0x7fffU));
      if (found != versions.end()) {
        imported.version = found->second.version;
        imported.library = found->second.library;
      }
    }
    imports.push_back(std::move(imported));
  }
  return imports;
}

// [offset, offset + count * entry_size) inside a file of `size` bytes, without overflow.
bool table_fits(std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size,
                std::uint64_t size) {
  if (count == 0) return true;
  if (entry_size == 0 || offset > size) return false;
  return count <= (size - offset) / entry_size;
}

// libelf reads lazily: a file cut short after its header opens fine and merely shows fewer
// sections. Checking that the header tables and every section's bytes lie inside the file
// reports truncation as such.
Result<void> check_extents(Elf* elf, const GElf_Ehdr& header, std::size_t section_count,
                           std::uint64_t size) {
  // From the header itself first: libelf quietly shows no sections when their table is cut off.
  if (header.e_shoff != 0 && !table_fits(header.e_shoff, header.e_shnum == 0 ? 1 : header.e_shnum,
                                         header.e_shentsize, size)) {
    return malformed("the section headers lie past the end of the file (truncated?)");
  }
  std::size_t program_count = 0;
  if (elf_getphdrnum(elf, &program_count) != 0) {
    return libelf_failure("the program headers lie outside the file (truncated?)");
  }
  if (!table_fits(header.e_phoff, program_count, header.e_phentsize, size)) {
    return malformed("the program headers lie past the end of the file (truncated?)");
  }
  if (!table_fits(header.e_shoff, section_count, header.e_shentsize, size)) {
    return malformed("the section headers lie past the end of the file (truncated?)");
  }
  if (section_count == 0 && header.e_type == ET_DYN) {
    return malformed("a shared object without section headers (stripped beyond reading?)");
  }
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr section{};
    if (gelf_getshdr(scn, &section) == nullptr) return libelf_failure("bad section header");
    if (section.sh_type == SHT_NOBITS || section.sh_type == SHT_NULL) continue;
    if (!table_fits(section.sh_offset, 1, section.sh_size, size) && section.sh_size != 0) {
      return malformed("section " + std::to_string(elf_ndxscn(scn)) +
                       " lies past the end of the file (truncated?)");
    }
  }
  return {};
}

}  // namespace

Result<ElfInfo> read_elf_image(std::span<std::byte> image) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    return fail(ErrorCode::failure, "libelf is older than this program expects");
  }
  // elf_memory wants a char*; the buffer is ours to modify (see elf_image.hpp).
  ElfHandle elf(elf_memory(reinterpret_cast<char*>(image.data()), image.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return libelf_failure("not a readable ELF image");
  GElf_Ehdr header{};
  if (gelf_getehdr(elf.get(), &header) == nullptr) return libelf_failure("truncated ELF header");
  std::size_t section_count = 0;
  if (elf_getshdrnum(elf.get(), &section_count) != 0) {
    return libelf_failure("the section headers lie outside the file (truncated?)");
  }
  if (auto fits = check_extents(elf.get(), header, section_count, image.size()); !fits) {
    return tl::unexpected(fits.error());
  }

  ElfInfo info;
  info.is_64bit = gelf_getclass(elf.get()) == ELFCLASS64;
  info.is_shared_object = header.e_type == ET_DYN;
  info.machine =
      machine_name(header.e_machine, info.is_64bit, header.e_ident[EI_DATA] == ELFDATA2MSB);
  StringReader strings(elf.get(), image.size());
  auto needed = read_needed(elf.get(), strings);
  if (!needed) return tl::unexpected(needed.error());
  info.needed = std::move(*needed);
  VersionTable versions;
  if (auto read = read_version_needs(elf.get(), strings, info.version_needs, versions); !read) {
    return tl::unexpected(read.error());
  }
  auto imports = read_imports(elf.get(), strings, versions);
  if (!imports) return tl::unexpected(imports.error());
  info.imported_symbols = std::move(*imports);
  return info;
}

}  // namespace abi_detail

Result<ElfInfo> read_elf(std::span<const std::byte> bytes) {
  std::vector<std::byte> copy(bytes.begin(), bytes.end());
  return abi_detail::read_elf_image(copy);
}

}  // namespace kernels
