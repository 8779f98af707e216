#include "kernels/util/encoding.hpp"

#include <array>
#include <cstddef>
#include <optional>

namespace kernels {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<std::uint8_t> hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

// 0xFF marks a byte outside the alphabet; built at compile time so decoding is one lookup per char.
constexpr std::array<std::uint8_t, 256> make_base64_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(0xFF);
  for (std::size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}
constexpr std::array<std::uint8_t, 256> kBase64Table = make_base64_table();

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  // Reading a char object through unsigned char is always allowed; uint8_t is unsigned char here.
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string describe_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7F) return std::string("'") + c + "'";
  std::string out = "byte 0x";
  out += kHexDigits[byte >> 4];
  out += kHexDigits[byte & 0x0F];
  return out;
}

}  // namespace

std::string hex_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 0x0F];
  }
  return out;
}

std::string hex_encode(std::string_view bytes) {
  return hex_encode(as_bytes(bytes));
}

Result<std::vector<std::uint8_t>> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return fail(ErrorCode::invalid_input, "hex text has an odd number of characters (" +
                                              std::to_string(text.size()) +
                                              "); each byte needs exactly two hex digits");
  }
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const auto high = hex_value(text[i]);
    const auto low = hex_value(text[i + 1]);
    if (!high || !low) {
      const std::size_t bad = high ? i + 1 : i;
      return fail(ErrorCode::invalid_input, "hex text has " + describe_char(text[bad]) +
                                                " at offset " + std::to_string(bad) +
                                                ", which is not a hex digit (0-9, a-f)");
    }
    out.push_back(static_cast<std::uint8_t>((*high << 4) | *low));
  }
  return out;
}

bool is_lowercase_hex(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (kHexDigits.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{bytes[i]} << 16) |
                                (std::uint32_t{bytes[i + 1]} << 8) | std::uint32_t{bytes[i + 2]};
    out += kBase64Alphabet[(group >> 18) & 0x3F];
    out += kBase64Alphabet[(group >> 12) & 0x3F];
    out += kBase64Alphabet[(group >> 6) & 0x3F];
    out += kBase64Alphabet[group & 0x3F];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    out += kBase64Alphabet[(group >> 18) & 0x3F];
    out += kBase64Alphabet[(group >> 12) & 0x3F];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t group =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out += kBase64Alphabet[(group >> 18) & 0x3F];
    out += kBase64Alphabet[(group >> 12) & 0x3F];
    out += kBase64Alphabet[(group >> 6) & 0x3F];
    out += '=';
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return base64_encode(as_bytes(bytes));
}

Result<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return fail(ErrorCode::invalid_input,
                "base64 text has " + std::to_string(text.size()) +
                    " characters, not a multiple of 4; padded standard base64 is expected");
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;

  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  const std::size_t data_chars = text.size() - padding;
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const std::uint8_t value = kBase64Table[static_cast<unsigned char>(text[i])];
    if (value == 0xFF) {
      const char* what = text[i] == '=' ? " (padding is only allowed at the end)" : "";
      return fail(ErrorCode::invalid_input, "base64 text has " + describe_char(text[i]) +
                                                " at offset " + std::to_string(i) +
                                                ", which is not in the standard alphabet" + what);
    }
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((accumulator >> bits) & 0xFF));
    }
  }
  // Leftover bits come from the last character before the padding; a canonical encoder sets
  // them to zero, and accepting others would give one byte string several encodings.
  if (bits > 0 && (accumulator & ((1U << bits) - 1U)) != 0) {
    return fail(ErrorCode::invalid_input,
                "base64 text has non-zero unused bits before its padding (not canonical)");
  }
  return out;
}

}  // namespace kernels
