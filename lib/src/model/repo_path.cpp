#include "kernels/model/repo_path.hpp"

#include <cstdint>
#include <string>

namespace kernels {
namespace {

std::string quoted(std::string_view path) {
  std::string text = "'";
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      text += '?';  // never echo control characters back into a terminal or a log
    } else {
      text += c;
    }
  }
  text += '\'';
  return text;
}

tl::unexpected<Error> invalid(std::string_view path, std::string_view why) {
  return fail(ErrorCode::invalid_input,
              "invalid repository path " + quoted(path) + ": " + std::string(why));
}

// Length of the UTF-8 sequence starting with `lead`, or 0 when `lead` cannot start one.
std::size_t sequence_length(std::uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    const std::size_t length = sequence_length(lead);
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<std::uint8_t>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    if (length >= 3) {
      const auto second = static_cast<std::uint8_t>(text[i + 1]);
      if (lead == 0xE0 && second < 0xA0) return false;  // overlong
      if (lead == 0xED && second > 0x9F) return false;  // UTF-16 surrogate
      if (lead == 0xF0 && second < 0x90) return false;  // overlong
      if (lead == 0xF4 && second > 0x8F) return false;  // past U+10FFFF
    }
    i += length;
  }
  return true;
}

Result<void> validate_repo_path(std::string_view path) {
  if (path.empty()) return invalid(path, "it is empty");
  if (path.size() > kMaxRepoPathLength) {
    return invalid(path.substr(0, 64),
                   "it is longer than " + std::to_string(kMaxRepoPathLength) + " bytes");
  }
  if (path.front() == '/') return invalid(path, "it is absolute (starts with '/')");
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') return invalid(path, "it contains a backslash");
    if (byte == 0) return invalid(path, "it contains a NUL byte");
    if (byte < 0x20 || byte == 0x7f) return invalid(path, "it contains a control character");
  }
  if (!is_valid_utf8(path)) return invalid(path, "it is not valid UTF-8");
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view component = path.substr(start, end - start);
    if (component.empty())
      return invalid(path, "it has an empty component ('//' or a trailing '/')");
    if (component == "." || component == "..") {
      return invalid(path, "it has a '" + std::string(component) + "' component");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return {};
}

}  // namespace kernels
