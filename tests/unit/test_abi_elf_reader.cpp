#include <algorithm>

#include <doctest/doctest.h>

#include "kernels/abi/binary_file.hpp"
#include "kernels/abi/elf_reader.hpp"

#include "binary_builders.hpp"

using kernels::ElfImportedSymbol;
using kernels::ErrorCode;
using kernels::read_elf;
using kernels::test::build_elf;
using kernels::test::ElfSpec;

namespace {

ElfSpec glibc_spec() {
  ElfSpec spec;
  spec.needed = {"libc.so.6", "libfoo.so.1"};
  spec.imports = {{"strlen", "GLIBC_2.2.5"}, {"dlopen", "GLIBC_2.34"}, {"plain", ""}};
  return spec;
}

}  // namespace

TEST_CASE("abi elf: reads machine, needed libraries, version needs and imports") {
  const auto image = build_elf(glibc_spec());
  const auto info = read_elf(image);
  REQUIRE_MESSAGE(info, (info ? "" : info.error().message));
  CHECK(info->machine == "x86_64");
  CHECK(info->is_64bit);
  CHECK(info->is_shared_object);
  CHECK(info->needed == std::vector<std::string>{"libc.so.6", "libfoo.so.1"});
  REQUIRE(info->version_needs.size() == 2);
  CHECK(info->version_needs[0].library == "libc.so.6");
  CHECK(info->version_needs[0].version == "GLIBC_2.2.5");
  CHECK(info->version_needs[1].version == "GLIBC_2.34");
  REQUIRE(info->imported_symbols.size() == 3);
  CHECK(info->imported_symbols[0] == ElfImportedSymbol{"strlen", "GLIBC_2.2.5", "libc.so.6"});
  CHECK(info->imported_symbols[1] == ElfImportedSymbol{"dlopen", "GLIBC_2.34", "libc.so.6"});
  CHECK(info->imported_symbols[2] == ElfImportedSymbol{"plain", "", ""});
}

TEST_CASE("abi elf: machine names follow auditwheel's") {
  ElfSpec spec = glibc_spec();
  spec.machine = 183;
  CHECK(read_elf(build_elf(spec))->machine == "aarch64");
  spec.machine = 9999;
  CHECK(read_elf(build_elf(spec))->machine == "EM_9999");
}

TEST_CASE("abi elf: a truncated file is malformed, at every length") {
  const auto image = build_elf(glibc_spec());
  for (std::size_t length = 0; length < image.size(); ++length) {
    const auto info = read_elf(std::span(image.data(), length));
    CAPTURE(length);
    REQUIRE_FALSE(info);
    CHECK(info.error().code == ErrorCode::invalid_input);
    CHECK(info.error().message.starts_with("malformed ELF file"));
  }
}

TEST_CASE("abi elf: corrupted bytes never crash the reader") {
  const auto image = build_elf(glibc_spec());
  for (const int pattern : {0x00, 0x7f, 0x80, 0xff}) {
    for (std::size_t at = 0; at < image.size(); ++at) {
      auto corrupted = image;
      corrupted[at] = static_cast<std::byte>(pattern);
      const auto info = read_elf(corrupted);
      if (!info) CHECK(info.error().code == ErrorCode::invalid_input);
    }
  }
}

TEST_CASE("abi elf: a section offset past the end is reported as truncation") {
  auto image = build_elf(glibc_spec());
  // Section 1 (.dynstr): its sh_offset sits 24 bytes into its header.
  std::uint64_t shoff = 0;
  for (std::size_t i = 0; i < 8; ++i)
    shoff |= std::to_integer<std::uint64_t>(image[40 + i]) << (8 * i);
  const std::size_t offset_field = static_cast<std::size_t>(shoff) + 64 + 24;
  for (std::size_t i = 0; i < 8; ++i)
    image[offset_field + i] = std::byte{0x7f};
  const auto info = read_elf(image);
  REQUIRE_FALSE(info);
  CHECK(info.error().message.find("past the end") != std::string::npos);
}

TEST_CASE("abi elf: a version chain that runs out of its section is malformed") {
  auto image = build_elf(glibc_spec());
  // The verneed entry: vn_version 1, vn_cnt 2, then its two vernaux entries.
  std::size_t verneed = 0;
  for (std::size_t at = 64; at + 4 < image.size(); at += 8) {
    if (image[at] == std::byte{1} && image[at + 1] == std::byte{0} &&
        image[at + 2] == std::byte{2} && image[at + 3] == std::byte{0}) {
      verneed = at;
      break;
    }
  }
  REQUIRE(verneed != 0);
  image[verneed + 2] = std::byte{0xff};           // vn_cnt 0x..ff: more entries than there are
  image[verneed + 16 + 16 + 12] = std::byte{16};  // the last vna_next points past the section
  const auto info = read_elf(image);
  REQUIRE_FALSE(info);
  CHECK(info.error().message.find(".gnu.version_r") != std::string::npos);
}

TEST_CASE("abi elf: read_binary tells ELF, Mach-O and other files apart") {
  const auto elf = kernels::read_binary(build_elf(glibc_spec()));
  REQUIRE(elf);
  CHECK(elf->format == kernels::BinaryFormat::elf);
  CHECK(elf->elf.has_value());
  const std::vector<std::byte> text = {std::byte{'h'}, std::byte{'i'}};
  const auto other = kernels::read_binary(text);
  REQUIRE(other);
  CHECK(other->format == kernels::BinaryFormat::unknown);
  CHECK_FALSE(other->elf.has_value());
}
