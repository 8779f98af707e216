#pragma once

// ASCII character classes and trimming for the parsers of the library. Locale-free on purpose:
// everything we parse (versions, variant names, TOML values, version.py lines) is ASCII by
// definition, and <cctype>'s answers depend on the process locale.

#include <string>
#include <string_view>

namespace kernels::ascii {

[[nodiscard]] constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

[[nodiscard]] constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

[[nodiscard]] constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] constexpr bool is_alnum(char c) {
  const char lower = to_lower(c);
  return is_digit(c) || (lower >= 'a' && lower <= 'z');
}

[[nodiscard]] inline std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = to_lower(c);
  return out;
}

// `text` without leading and trailing ASCII whitespace.
[[nodiscard]] constexpr std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

}  // namespace kernels::ascii
