#pragma once

// Hand-made ELF and Mach-O images for the abi/ readers' tests: small, exact, and easy to cut or
// corrupt at any byte.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kernels::test {

class ByteWriter {
 public:
  explicit ByteWriter(bool big_endian = false) : big_endian_(big_endian) {}
  void u8(std::uint64_t value) { put(value, 1); }
  void u16(std::uint64_t value) { put(value, 2); }
  void u32(std::uint64_t value) { put(value, 4); }
  void u64(std::uint64_t value) { put(value, 8); }
  void bytes(const std::string& text) {
    for (char c : text)
      data_.push_back(static_cast<std::byte>(c));
  }
  void align(std::size_t to) {
    while (data_.size() % to != 0)
      data_.push_back(std::byte{0});
  }
  void patch_u32(std::size_t at, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
      const std::size_t shift = big_endian_ ? (3 - i) * 8 : i * 8;
      data_[at + i] = static_cast<std::byte>((value >> shift) & 0xffU);
    }
  }
  [[nodiscard]] std::size_t size() const { return data_.size(); }
  [[nodiscard]] const std::vector<std::byte>& data() const { return data_; }

 private:
  void put(std::uint64_t value, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t shift = big_endian_ ? (width - 1 - i) * 8 : i * 8;
      data_.push_back(static_cast<std::byte>((value >> shift) & 0xffU));
    }
  }
  bool big_endian_;
  std::vector<std::byte> data_;
};

struct ElfImport {
  std::string name;
  std::string version;  // empty: unversioned
};

struct ElfSpec {
  std::uint16_t machine = 62;  // EM_X86_64
  std::vector<std::string> needed = {"libc.so.6"};
  std::string version_library = "libc.so.6";  // every version below is required of it
  std::vector<ElfImport> imports;
};

// A little-endian ELF64 shared object with .dynstr, .dynsym, .gnu.version, .gnu.version_r,
// .dynamic and .shstrtab: what a linker writes for `imports`, nothing else.
inline std::vector<std::byte> build_elf(const ElfSpec& spec) {
  // String table: "\0", library names, version names, symbol names.
  std::string dynstr(1, '\0');
  const auto add_string = [&dynstr](const std::string& text) {
    const auto at = dynstr.find(text + '\0');
    if (at != std::string::npos && at > 0 && dynstr[at - 1] == '\0') return at;
    const std::size_t offset = dynstr.size();
    dynstr += text + '\0';
    return offset;
  };
  std::vector<std::size_t> needed_offsets;
  for (const auto& library : spec.needed)
    needed_offsets.push_back(add_string(library));
  const std::size_t library_offset = add_string(spec.version_library);
  std::vector<std::string> versions;
  for (const auto& import : spec.imports) {
    if (!import.version.empty() &&
        std::find(versions.begin(), versions.end(), import.version) == versions.end()) {
      versions.push_back(import.version);
    }
  }
  std::vector<std::size_t> version_offsets;
  for (const auto& version : versions)
    version_offsets.push_back(add_string(version));
  std::vector<std::size_t> name_offsets;
  for (const auto& import : spec.imports)
    name_offsets.push_back(add_string(import.name));
  const std::string shstrtab =
      std::string("\0.dynstr\0.dynsym\0.gnu.version\0.gnu.version_r\0.dynamic\0.shstrtab\0", 62);

  ByteWriter w;
  w.bytes(
      std::string("\x7f"
                  "ELF\x02\x01\x01",
                  7));
  for (int i = 0; i < 9; ++i)
    w.u8(0);
  w.u16(3);  // ET_DYN
  w.u16(spec.machine);
  w.u32(1);
  w.u64(0);  // e_entry
  w.u64(0);  // e_phoff
  const std::size_t shoff_at = w.size();
  w.u64(0);  // e_shoff, patched below
  w.u32(0);
  w.u16(64);
  w.u16(56);
  w.u16(0);
  w.u16(64);
  w.u16(7);  // sections
  w.u16(6);  // .shstrtab

  struct Placed {
    std::size_t offset;
    std::size_t size;
  };
  const auto place = [&w](auto&& write) {
    w.align(8);
    const std::size_t start = w.size();
    write();
    return Placed{start, w.size() - start};
  };
  const Placed dynstr_at = place([&] { w.bytes(dynstr); });
  const Placed dynsym_at = place([&] {
    for (int i = 0; i < 24; ++i)
      w.u8(0);  // the null symbol
    for (std::size_t i = 0; i < spec.imports.size(); ++i) {
      w.u32(name_offsets[i]);
      w.u8(0x12);  // STB_GLOBAL, STT_FUNC
      w.u8(0);
      w.u16(0);  // SHN_UNDEF
      w.u64(0);
      w.u64(0);
    }
  });
  const Placed versym_at = place([&] {
    w.u16(0);
    for (const auto& import : spec.imports) {
      if (import.version.empty()) {
        w.u16(1);
      } else {
        const auto index =
            std::find(versions.begin(), versions.end(), import.version) - versions.begin();
        w.u16(static_cast<std::uint64_t>(index) + 2);
      }
    }
  });
  const Placed verneed_at = place([&] {
    w.u16(1);
    w.u16(versions.size());
    w.u32(library_offset);
    w.u32(16);  // vn_aux
    w.u32(0);   // vn_next
    for (std::size_t i = 0; i < versions.size(); ++i) {
      w.u32(0);  // hash (not checked by readers)
      w.u16(0);
      w.u16(i + 2);
      w.u32(version_offsets[i]);
      w.u32(i + 1 < versions.size() ? 16 : 0);
    }
  });
  const Placed dynamic_at = place([&] {
    for (const std::size_t offset : needed_offsets) {
      w.u64(1);  // DT_NEEDED
      w.u64(offset);
    }
    w.u64(0);
    w.u64(0);
  });
  const Placed shstrtab_at = place([&] { w.bytes(shstrtab); });

  w.align(8);
  const std::size_t shoff = w.size();
  const auto section = [&w](std::uint32_t name, std::uint32_t type, Placed at, std::uint32_t link,
                            std::uint32_t info, std::uint64_t entsize) {
    w.u32(name);
    w.u32(type);
    w.u64(2);  // SHF_ALLOC
    w.u64(0);
    w.u64(at.offset);
    w.u64(at.size);
    w.u32(link);
    w.u32(info);
    w.u64(8);
    w.u64(entsize);
  };
  for (int i = 0; i < 64; ++i)
    w.u8(0);
  section(1, 3, dynstr_at, 0, 0, 0);
  section(9, 11, dynsym_at, 1, 1, 24);
  section(17, 0x6fffffff, versym_at, 2, 0, 2);
  section(30, 0x6ffffffe, verneed_at, 1, versions.empty() ? 0 : 1, 0);
  section(45, 6, dynamic_at, 1, 0, 16);
  section(54, 3, shstrtab_at, 0, 0, 0);
  std::vector<std::byte> image = w.data();
  for (std::size_t i = 0; i < 8; ++i)
    image[shoff_at + i] = static_cast<std::byte>((shoff >> (8 * i)) & 0xffU);
  return image;
}

struct MachOSpec {
  bool is_64bit = true;
  std::uint32_t cputype = 0x01000007;  // x86_64
  // 0: none; LC_BUILD_VERSION (0x32) or LC_VERSION_MIN_MACOSX (0x24) with `minos`.
  std::uint32_t version_command = 0x32;
  std::uint32_t platform = 1;          // macOS, for LC_BUILD_VERSION
  std::uint32_t minos = 0x000b0300;    // 11.3
  std::vector<std::string> undefined;  // with the leading '_'
};

// A thin little-endian Mach-O dylib with one version load command and an LC_SYMTAB.
inline std::vector<std::byte> build_macho(const MachOSpec& spec) {
  ByteWriter w;
  const std::size_t header_size = spec.is_64bit ? 32 : 28;
  const std::uint32_t version_size = spec.version_command == 0x32 ? 24 : 16;
  const std::uint32_t commands = spec.version_command == 0 ? 1 : 2;
  const std::uint32_t commands_size = 24 + (spec.version_command == 0 ? 0 : version_size);
  w.u32(spec.is_64bit ? 0xfeedfacfU : 0xfeedfaceU);
  w.u32(spec.cputype);
  w.u32(3);
  w.u32(6);  // MH_DYLIB
  w.u32(commands);
  w.u32(commands_size);
  w.u32(0);
  if (spec.is_64bit) w.u32(0);
  if (spec.version_command == 0x32) {
    w.u32(0x32);
    w.u32(24);
    w.u32(spec.platform);
    w.u32(spec.minos);
    w.u32(spec.minos);  // sdk
    w.u32(0);           // ntools
  } else if (spec.version_command == 0x24) {
    w.u32(0x24);
    w.u32(16);
    w.u32(spec.minos);
    w.u32(spec.minos);
  }
  std::string strings(1, ' ');
  std::vector<std::size_t> offsets;
  for (const auto& name : spec.undefined) {
    offsets.push_back(strings.size());
    strings += name + '\0';
  }
  const std::size_t entry = spec.is_64bit ? 16 : 12;
  const std::size_t symoff = header_size + commands_size;
  const std::size_t stroff = symoff + entry * spec.undefined.size();
  w.u32(0x2);
  w.u32(24);
  w.u32(symoff);
  w.u32(spec.undefined.size());
  w.u32(stroff);
  w.u32(strings.size());
  for (const std::size_t offset : offsets) {
    w.u32(offset);
    w.u8(0x01);  // N_UNDF | N_EXT
    w.u8(0);
    w.u16(0);
    if (spec.is_64bit) {
      w.u64(0);
    } else {
      w.u32(0);
    }
  }
  w.bytes(strings);
  return w.data();
}

// A universal (fat) file holding `slices`, each at a 4096-byte boundary.
inline std::vector<std::byte> build_fat(const std::vector<std::vector<std::byte>>& slices,
                                        const std::vector<std::uint32_t>& cputypes) {
  ByteWriter w(true);
  w.u32(0xcafebabeU);
  w.u32(slices.size());
  std::size_t offset = 4096;
  for (std::size_t i = 0; i < slices.size(); ++i) {
    w.u32(cputypes[i]);
    w.u32(3);
    w.u32(offset);
    w.u32(slices[i].size());
    w.u32(12);
    offset += (slices[i].size() + 4095) / 4096 * 4096;
  }
  std::vector<std::byte> image = w.data();
  for (const auto& slice : slices) {
    image.resize((image.size() + 4095) / 4096 * 4096);
    image.insert(image.end(), slice.begin(), slice.end());
  }
  return image;
}

}  // namespace kernels::test
