#include "json_text.hpp"

#include <array>
#include <cstdint>

namespace kernels::detail {
namespace {

void append_u_escape(std::string& out, std::uint32_t unit) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) {
    out += kHex[(unit >> static_cast<unsigned>(shift)) & 0xfU];
  }
}

// Decodes one UTF-8 sequence at the front of `text`. Returns the code point and its length, or
// length 0 when the bytes there are not a valid, shortest-form UTF-8 sequence.
struct Decoded {
  std::uint32_t code_point = 0;
  std::size_t length = 0;
};

Decoded decode_utf8(std::string_view text) {
  const auto lead = static_cast<unsigned char>(text[0]);
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  std::uint32_t minimum = 0;
  if (lead < 0x80) return {lead, 1};
  if ((lead & 0xe0U) == 0xc0) {
    length = 2, code_point = lead & 0x1fU, minimum = 0x80;
  } else if ((lead & 0xf0U) == 0xe0) {
    length = 3, code_point = lead & 0x0fU, minimum = 0x800;
  } else if ((lead & 0xf8U) == 0xf0) {
    length = 4, code_point = lead & 0x07U, minimum = 0x10000;
  } else {
    return {};
  }
  if (text.size() < length) return {};
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xc0U) != 0x80) return {};
    code_point = (code_point << 6U) | (byte & 0x3fU);
  }
  const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
  if (code_point < minimum || code_point > 0x10ffff || surrogate) return {};
  return {code_point, length};
}

// The two-character escapes Python's json writes; empty for every other character.
std::string_view short_escape(char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return {};
  }
}

bool is_identifier(std::string_view key) {
  if (key.empty() || (key.front() >= '0' && key.front() <= '9')) return false;
  for (const char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string python_json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  while (!text.empty()) {
    const char c = text.front();
    if (const std::string_view escape = short_escape(c); !escape.empty()) {
      out += escape;
      text.remove_prefix(1);
      continue;
    }
    if (c >= ' ' && c <= '~') {
      out += c;
      text.remove_prefix(1);
      continue;
    }
    const Decoded decoded = decode_utf8(text);
    if (decoded.length == 0) {
      append_u_escape(out, 0xfffd);
      text.remove_prefix(1);
      continue;
    }
    if (decoded.code_point < 0x10000) {
      append_u_escape(out, decoded.code_point);
    } else {
      const std::uint32_t offset = decoded.code_point - 0x10000;
      append_u_escape(out, 0xd800 + (offset >> 10U));
      append_u_escape(out, 0xdc00 + (offset & 0x3ffU));
    }
    text.remove_prefix(decoded.length);
  }
  out += '"';
  return out;
}

std::string json_path_member(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (is_identifier(key)) {
    path += '.';
    path += key;
  } else {
    path += '[';
    path += python_json_quote(key);
    path += ']';
  }
  return path;
}

std::string json_path_element(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string shown_value(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  if (text.size() <= kMaxShown) return python_json_quote(text);
  return python_json_quote(text.substr(0, kMaxShown)) + "...";
}

std::string json_location(std::string_view file_name, std::string_view path) {
  if (file_name.empty()) return std::string(path);
  return std::string(file_name) + ": " + std::string(path);
}

}  // namespace kernels::detail
