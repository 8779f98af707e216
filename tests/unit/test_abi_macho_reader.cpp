#include <doctest/doctest.h>

#include "kernels/abi/macho_reader.hpp"
#include "kernels/abi/macos_check.hpp"

#include "binary_builders.hpp"

using kernels::AbiProblemKind;
using kernels::ErrorCode;
using kernels::MacOsVersion;
using kernels::read_macho;
using kernels::test::build_fat;
using kernels::test::build_macho;
using kernels::test::MachOSpec;

TEST_CASE("abi macho: LC_BUILD_VERSION gives the minimum macOS and the imports") {
  MachOSpec spec;
  spec.undefined = {"_PyLong_FromLong", "_memcpy"};
  const auto info = read_macho(build_macho(spec));
  REQUIRE_MESSAGE(info, (info ? "" : info.error().message));
  CHECK_FALSE(info->fat);
  REQUIRE(info->slices.size() == 1);
  const auto& slice = info->slices[0];
  CHECK(slice.cpu == "x86_64");
  REQUIRE(slice.min_macos);
  CHECK(*slice.min_macos == MacOsVersion{11, 3, std::nullopt});
  CHECK(slice.min_macos_source == "LC_BUILD_VERSION");
  CHECK(slice.imported_symbols == std::vector<std::string>{"PyLong_FromLong", "memcpy"});
}

TEST_CASE("abi macho: the older LC_VERSION_MIN_MACOSX, 32-bit, with a patch version") {
  MachOSpec spec;
  spec.is_64bit = false;
  spec.cputype = 7;
  spec.version_command = 0x24;
  spec.minos = 0x000a0d06;  // 10.13.6
  const auto info = read_macho(build_macho(spec));
  REQUIRE(info);
  CHECK(info->slices[0].cpu == "i386");
  CHECK(info->slices[0].min_macos_source == "LC_VERSION_MIN_MACOSX");
  CHECK(kernels::to_string(*info->slices[0].min_macos) == "10.13.6");
}

TEST_CASE("abi macho: no version command, or one for another platform, declares no minimum") {
  MachOSpec spec;
  spec.version_command = 0;
  CHECK_FALSE(read_macho(build_macho(spec))->slices[0].min_macos);
  spec.version_command = 0x32;
  spec.platform = 2;  // iOS
  CHECK_FALSE(read_macho(build_macho(spec))->slices[0].min_macos);
}

TEST_CASE("abi macho: a fat file has one slice per architecture") {
  MachOSpec x86;
  MachOSpec arm;
  arm.cputype = 0x0100000c;
  arm.minos = 0x000f0000;  // 15.0
  const auto image = build_fat({build_macho(x86), build_macho(arm)}, {0x01000007, 0x0100000c});
  const auto info = read_macho(image);
  REQUIRE_MESSAGE(info, (info ? "" : info.error().message));
  CHECK(info->fat);
  REQUIRE(info->slices.size() == 2);
  CHECK(info->slices[0].cpu == "x86_64");
  CHECK(info->slices[1].cpu == "arm64");
  CHECK(kernels::to_string(*info->slices[1].min_macos) == "15.0");

  const auto problems = kernels::check_macos(*info, MacOsVersion{12, 0, std::nullopt});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].kind == AbiProblemKind::macos_too_new);
  CHECK(problems[0].version == "15.0");
  CHECK(problems[0].message.find("arm64 slice") != std::string::npos);
  CHECK(kernels::check_macos(*info, MacOsVersion{15, 0, std::nullopt}).empty());
}

TEST_CASE("abi macho: check_macos reports a missing minimum") {
  MachOSpec spec;
  spec.version_command = 0;
  const auto problems =
      kernels::check_macos(*read_macho(build_macho(spec)), MacOsVersion{15, 0, std::nullopt});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].kind == AbiProblemKind::macos_missing);
}

TEST_CASE("abi macho: truncated thin and fat files are malformed, at every length") {
  MachOSpec spec;
  spec.undefined = {"_a", "_b"};
  const auto thin = build_macho(spec);
  const auto fat = build_fat({thin}, {0x01000007});
  for (const auto* image : {&thin, &fat}) {
    // The fat image's padding is not read, so only lengths that cut the slice or the header
    // must fail.
    for (std::size_t length = 0; length < image->size(); ++length) {
      if (image == &fat && length >= 28 && length < 4096) continue;
      const auto info = read_macho(std::span(image->data(), length));
      CAPTURE(length);
      REQUIRE_FALSE(info);
      CHECK(info.error().code == ErrorCode::invalid_input);
      CHECK(info.error().message.starts_with("malformed Mach-O file"));
    }
  }
}

TEST_CASE("abi macho: corrupted bytes never crash the reader") {
  MachOSpec spec;
  spec.undefined = {"_PyList_New", "_x"};
  const auto image = build_fat({build_macho(spec)}, {0x01000007});
  for (const int pattern : {0x00, 0x7f, 0x80, 0xff}) {
    for (std::size_t at = 0; at < image.size(); ++at) {
      auto corrupted = image;
      corrupted[at] = static_cast<std::byte>(pattern);
      const auto info = read_macho(corrupted);
      if (!info) CHECK(info.error().code == ErrorCode::invalid_input);
    }
  }
}

TEST_CASE("abi macho: absurd counts are refused before anything is allocated") {
  kernels::test::ByteWriter fat(true);
  fat.u32(0xcafebabeU);
  fat.u32(0xffffffffU);
  const auto many = read_macho(fat.data());
  REQUIRE_FALSE(many);
  CHECK(many.error().message.find("architectures") != std::string::npos);

  MachOSpec spec;
  spec.undefined = {"_a"};
  auto image = build_macho(spec);
  // nsyms of LC_SYMTAB (after the 32-byte header and the 24-byte LC_BUILD_VERSION).
  const std::size_t nsyms_at = 32 + 24 + 12;
  for (std::size_t i = 0; i < 4; ++i)
    image[nsyms_at + i] = std::byte{0xff};
  const auto huge = read_macho(image);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().message.find("symbol table") != std::string::npos);
}
