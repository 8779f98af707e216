#pragma once

// Quoting for the generated completion scripts.

#include <string>
#include <string_view>

namespace kernels::cli {

// 'text' for sh-like shells (bash, zsh): a quote inside becomes '\''.
[[nodiscard]] inline std::string sh_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// 'text' for fish, where a backslash and a quote inside single quotes are escaped.
[[nodiscard]] inline std::string fish_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

// The words of a list joined by spaces: "--help -h --json".
template <typename Range, typename Function>
[[nodiscard]] std::string joined_words(const Range& range, Function word_of) {
  std::string out;
  for (const auto& item : range) {
    const std::string word = word_of(item);
    if (word.empty()) continue;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

}  // namespace kernels::cli
