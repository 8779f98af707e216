#pragma once

// A cursor over version text with the few look-ahead steps PEP 440's grammar needs. Private to the
// model layer: version.cpp reads versions with it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/ascii.hpp"

namespace kernels::detail {

// The value of a run of ASCII digits, or nothing when it does not fit 64 bits.
[[nodiscard]] inline std::optional<std::uint64_t> parse_decimal(std::string_view digits) {
  constexpr std::uint64_t kMax = UINT64_MAX;
  std::uint64_t value = 0;
  for (const char c : digits) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

class VersionScanner {
 public:
  explicit VersionScanner(std::string_view text) : text_(text) {}

  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] std::size_t position() const { return pos_; }
  [[nodiscard]] std::string_view rest() const { return text_.substr(pos_); }
  [[nodiscard]] std::size_t mark() const { return pos_; }
  void reset(std::size_t mark) { pos_ = mark; }

  [[nodiscard]] bool at_digit() const { return !at_end() && ascii::is_digit(text_[pos_]); }

  // Consumes `c` (compared without letter case) when it is next.
  bool accept_char_ci(char c) {
    if (at_end() || ascii::to_lower(text_[pos_]) != c) return false;
    ++pos_;
    return true;
  }

  // Consumes one of the separators `.`, `_`, `-` when it is next.
  bool accept_separator() {
    if (at_end()) return false;
    const char c = text_[pos_];
    if (c != '.' && c != '_' && c != '-') return false;
    ++pos_;
    return true;
  }

  // Consumes `word` (lower case) when the text continues with it in any letter case.
  bool accept_word_ci(std::string_view word) {
    if (text_.size() - pos_ < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if (ascii::to_lower(text_[pos_ + i]) != word[i]) return false;
    }
    pos_ += word.size();
    return true;
  }

  // Whether a run of digits followed by `c` is next (consumes nothing).
  [[nodiscard]] bool digits_followed_by(char c) const {
    std::size_t end = pos_;
    while (end < text_.size() && ascii::is_digit(text_[end]))
      ++end;
    return end > pos_ && end < text_.size() && text_[end] == c;
  }

  // Consumes a `.` that starts another release component.
  bool accept_dot_before_digit() {
    if (pos_ + 1 >= text_.size() || text_[pos_] != '.' || !ascii::is_digit(text_[pos_ + 1])) {
      return false;
    }
    ++pos_;
    return true;
  }

  // Consumes a separator that is followed by a letter or digit (between local label parts).
  bool separator_before_alnum() {
    if (pos_ + 1 >= text_.size() || !ascii::is_alnum(text_[pos_ + 1])) return false;
    return accept_separator();
  }

  // Consumes the digits at the cursor; nothing when their value does not fit 64 bits.
  std::optional<std::uint64_t> number() {
    const std::size_t start = pos_;
    while (at_digit())
      ++pos_;
    return parse_decimal(text_.substr(start, pos_ - start));
  }

  // Consumes and returns the run of ASCII letters and digits at the cursor (maybe empty).
  std::string_view alnum_run() {
    const std::size_t start = pos_;
    while (!at_end() && ascii::is_alnum(text_[pos_]))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace kernels::detail
