#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/util/encoding.hpp"

using kernels::base64_decode;
using kernels::base64_encode;
using kernels::ErrorCode;
using kernels::hex_decode;
using kernels::hex_encode;

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

// Every byte value, so that encoders are exercised on the high bit and on zero.
std::vector<std::uint8_t> all_byte_values() {
  std::vector<std::uint8_t> bytes;
  for (int value = 0; value < 256; ++value)
    bytes.push_back(static_cast<std::uint8_t>(value));
  return bytes;
}

}  // namespace

TEST_CASE("encoding: hex encodes lowercase, two digits per byte") {
  CHECK(hex_encode(std::vector<std::uint8_t>{}).empty());
  CHECK(hex_encode(std::vector<std::uint8_t>{0x00, 0x0f, 0xa0, 0xff}) == "000fa0ff");
  CHECK(hex_encode(std::string_view("hello\n")) == "68656c6c6f0a");
}

TEST_CASE("encoding: hex round-trips every byte value and accepts either case") {
  const auto bytes = all_byte_values();
  const std::string hex = hex_encode(bytes);
  CHECK(hex.size() == 512);
  CHECK(kernels::is_lowercase_hex(hex));
  const auto decoded = hex_decode(hex);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == bytes);

  const auto upper = hex_decode("DEADbeef");
  REQUIRE(upper.has_value());
  CHECK(*upper == std::vector<std::uint8_t>{0xde, 0xad, 0xbe, 0xef});
  const auto empty = hex_decode("");
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
}

TEST_CASE("encoding: hex decode rejects odd lengths and non-hex characters") {
  for (const std::string_view bad : {"a", "abc", "0g", "g0", "12 4", "0x12", "12\n", "+1", "zz"}) {
    CAPTURE(bad);
    const auto decoded = hex_decode(bad);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == ErrorCode::invalid_input);
  }
  CHECK(hex_decode("abc").error().message.find("odd") != std::string::npos);
  CHECK(hex_decode("0g").error().message.find("'g' at offset 1") != std::string::npos);
  CHECK(hex_decode(std::string_view("0\x01", 2)).error().message.find("0x01") != std::string::npos);
}

TEST_CASE("encoding: is_lowercase_hex accepts only 0-9 a-f") {
  CHECK(kernels::is_lowercase_hex("0123456789abcdef"));
  CHECK_FALSE(kernels::is_lowercase_hex(""));
  CHECK_FALSE(kernels::is_lowercase_hex("ABCDEF"));
  CHECK_FALSE(kernels::is_lowercase_hex("abcdeg"));
  CHECK_FALSE(kernels::is_lowercase_hex("ab cd"));
}

TEST_CASE("encoding: base64 matches the RFC 4648 test vectors") {
  const std::vector<std::pair<std::string_view, std::string_view>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(base64_encode(plain) == encoded);
    const auto decoded = base64_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes_of(plain));
  }
}

TEST_CASE("encoding: base64 uses the standard alphabet with + and /") {
  CHECK(base64_encode(std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}) == "+/+/");
  const auto decoded = base64_decode("+/+/");
  REQUIRE(decoded.has_value());
  CHECK(*decoded == std::vector<std::uint8_t>{0xfb, 0xff, 0xbf});
}

TEST_CASE("encoding: base64 round-trips every length and byte value") {
  const auto bytes = all_byte_values();
  for (std::size_t length = 0; length <= bytes.size(); ++length) {
    const std::vector<std::uint8_t> prefix(bytes.begin(),
                                           bytes.begin() + static_cast<std::ptrdiff_t>(length));
    const std::string encoded = base64_encode(prefix);
    CHECK(encoded.size() == (length + 2) / 3 * 4);
    const auto decoded = base64_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == prefix);
  }
}

TEST_CASE("encoding: base64 decode is strict") {
  for (const std::string_view bad : {
           "Zg",        // missing padding
           "Zg=",       // short padding
           "Zm9vY",     // not a multiple of 4
           "Zg==Zg==",  // padding in the middle
           "Z===",      // three padding characters
           "====",      // only padding
           "Zm9v\n",    // whitespace
           "Zm9-",      // URL-safe alphabet
           "Zm9_",      // URL-safe alphabet
           "Zh==",      // non-zero unused bits ('h' leaves bits set after the 'f' byte)
           "Zm9=",      // non-zero unused bits in the two-byte form
       }) {
    CAPTURE(bad);
    const auto decoded = base64_decode(bad);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().code == ErrorCode::invalid_input);
  }
  CHECK(base64_decode("Zg==Zg==").error().message.find("padding") != std::string::npos);
}
