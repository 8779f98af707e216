#include "toml_layout.hpp"

#include <algorithm>
#include <cstdint>

#include "util/ascii.hpp"

namespace kernels::detail {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool is_bare_key_char(char c) {
  return ascii::is_alnum(c) || c == '_' || c == '-';
}

int hex_value(char c) {
  if (ascii::is_digit(c)) return c - '0';
  const char lower = ascii::to_lower(c);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  const auto byte = [](std::uint32_t value) { return static_cast<char>(value); };
  if (code_point < 0x80) {
    out += byte(code_point);
  } else if (code_point < 0x800) {
    out += byte(0xC0 | (code_point >> 6));
    out += byte(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += byte(0xE0 | (code_point >> 12));
    out += byte(0x80 | ((code_point >> 6) & 0x3F));
    out += byte(0x80 | (code_point & 0x3F));
  } else {
    out += byte(0xF0 | (code_point >> 18));
    out += byte(0x80 | ((code_point >> 12) & 0x3F));
    out += byte(0x80 | ((code_point >> 6) & 0x3F));
    out += byte(0x80 | (code_point & 0x3F));
  }
}

class Scanner {
 public:
  Scanner(std::string_view text, std::string_view file_name) : text_(text), file_name_(file_name) {}

  Result<TomlLayout> run() {
    TomlLayout layout;
    const auto first_newline = text_.find('\n');
    if (first_newline != std::string_view::npos && first_newline > 0 &&
        text_[first_newline - 1] == '\r') {
      layout.newline = "\r\n";
    }
    if (text_.starts_with(kUtf8Bom)) pos_ = kUtf8Bom.size();
    std::size_t line = 1;
    std::size_t counted_to = 0;
    while (!at_end()) {
      TomlStatement statement;
      statement.begin = pos_;
      line += static_cast<std::size_t>(
          std::count(text_.begin() + static_cast<std::ptrdiff_t>(counted_to),
                     text_.begin() + static_cast<std::ptrdiff_t>(pos_), '\n'));
      counted_to = pos_;
      statement.line = line;
      skip_blanks();
      statement.content_begin = pos_;
      if (auto ok = read_statement(statement); !ok) return tl::unexpected(std::move(ok.error()));
      statement.end = pos_;
      layout.statements.push_back(std::move(statement));
    }
    return layout;
  }

 private:
  Result<void> read_statement(TomlStatement& statement) {
    if (at_end() || at_newline() || peek() == '#') {
      statement.kind = TomlStatement::Kind::blank;
      return finish_line();
    }
    if (peek() == '[') {
      const bool array = peek(1) == '[';
      statement.kind = array ? TomlStatement::Kind::array_table : TomlStatement::Kind::table;
      pos_ += array ? 2U : 1U;
      auto path = key_path();
      if (!path) return tl::unexpected(std::move(path.error()));
      statement.path = std::move(*path);
      skip_blanks();
      for (int i = 0; i < (array ? 2 : 1); ++i) {
        if (peek() != ']') return error("a table header does not end with ']'");
        ++pos_;
      }
      return finish_line();
    }
    statement.kind = TomlStatement::Kind::key_value;
    auto path = key_path();
    if (!path) return tl::unexpected(std::move(path.error()));
    statement.path = std::move(*path);
    skip_blanks();
    if (peek() != '=') return error("expected '=' after a key");
    ++pos_;
    skip_blanks();
    if (auto ok = value(statement); !ok) return ok;
    return finish_line();
  }

  // Whitespace, an optional comment, and the end of the line (or of the text).
  Result<void> finish_line() {
    skip_blanks();
    if (peek() == '#') skip_to_line_end();
    if (at_end()) return {};
    if (!at_newline()) return error("unexpected text after a statement");
    pos_ += peek() == '\r' ? 2U : 1U;
    return {};
  }

  Result<std::vector<std::string>> key_path() {
    std::vector<std::string> parts;
    while (true) {
      skip_blanks();
      auto part = simple_key();
      if (!part) return tl::unexpected(std::move(part.error()));
      parts.push_back(std::move(*part));
      skip_blanks();
      if (peek() != '.') return parts;
      ++pos_;
    }
  }

  Result<std::string> simple_key() {
    if (peek() == '"') return basic_string_key();
    if (peek() == '\'') {
      const std::size_t start = pos_ + 1;
      const std::size_t close = text_.find_first_of("'\n", start);
      if (close == std::string_view::npos || text_[close] != '\'') {
        return error("a 'literal' key is not closed on its line");
      }
      pos_ = close + 1;
      return std::string(text_.substr(start, close - start));
    }
    const std::size_t start = pos_;
    while (!at_end() && is_bare_key_char(peek()))
      ++pos_;
    if (pos_ == start) return error("expected a key");
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<std::string> basic_string_key() {
    ++pos_;
    std::string out;
    while (true) {
      if (at_end() || peek() == '\n') return error("a \"quoted\" key is not closed on its line");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) return error("a \"quoted\" key ends in a backslash");
      const char escape = text_[pos_++];
      switch (escape) {
        case 'b':
          out += '\b';
          break;
        case 't':
          out += '\t';
          break;
        case 'n':
          out += '\n';
          break;
        case 'f':
          out += '\f';
          break;
        case 'r':
          out += '\r';
          break;
        case 'e':
          out += '\x1b';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'u':
        case 'U': {
          auto code_point = hex_digits(escape == 'u' ? 4 : 8);
          if (!code_point) return tl::unexpected(std::move(code_point.error()));
          append_utf8(out, *code_point);
          break;
        }
        default:
          return error("invalid escape sequence in a \"quoted\" key");
      }
    }
  }

  Result<std::uint32_t> hex_digits(int count) {
    std::uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
      const int digit = hex_value(peek());
      if (digit < 0) return error("invalid \\u escape in a \"quoted\" key");
      value = value * 16 + static_cast<std::uint32_t>(digit);
      ++pos_;
    }
    if (value > 0x10FFFF) return error("invalid \\U escape in a \"quoted\" key");
    return value;
  }

  // A value runs to the end of its line, or further while an array, inline table or multi-line
  // string is open; comments inside a multi-line array are skipped.
  Result<void> value(TomlStatement& statement) {
    statement.value_begin = pos_;
    std::size_t content_end = pos_;
    int depth = 0;
    while (!at_end()) {
      const char c = peek();
      if (c == '"' || c == '\'') {
        if (auto ok = skip_string(); !ok) return ok;
      } else if (c == '[' || c == '{') {
        ++depth;
        ++pos_;
      } else if (c == ']' || c == '}') {
        if (depth == 0) return error("unbalanced ']' or '}' in a value");
        --depth;
        ++pos_;
      } else if (c == '#' || at_newline()) {
        if (depth == 0) break;
        if (c == '#') {
          skip_to_line_end();
        } else {
          pos_ += c == '\r' ? 2U : 1U;
        }
        continue;
      } else if (c == ' ' || c == '\t') {
        ++pos_;
        continue;
      } else {
        ++pos_;
      }
      content_end = pos_;
    }
    if (depth != 0) return error("an array or inline table is not closed");
    if (content_end == statement.value_begin) return error("a key has no value");
    statement.value_end = content_end;
    statement.multiline_value =
        text_.substr(statement.value_begin, content_end - statement.value_begin).find('\n') !=
        std::string_view::npos;
    return {};
  }

  Result<void> skip_string() {
    const char quote = peek();
    const bool basic = quote == '"';
    if (peek(1) == quote && peek(2) == quote) {
      pos_ += 3;
      while (!at_end()) {
        if (basic && peek() == '\\') {
          pos_ += 2;
        } else if (peek() == quote && peek(1) == quote && peek(2) == quote) {
          pos_ += 3;
          // Up to two more quotes are the end of the content: """say "hi"""""
          for (int i = 0; i < 2 && peek() == quote; ++i)
            ++pos_;
          return {};
        } else {
          ++pos_;
        }
      }
      return error("a multi-line string is not closed");
    }
    ++pos_;
    while (!at_end() && peek() != '\n') {
      if (basic && peek() == '\\') {
        pos_ += 2;
      } else if (peek() == quote) {
        ++pos_;
        return {};
      } else {
        ++pos_;
      }
    }
    return error("a string is not closed on its line");
  }

  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  [[nodiscard]] bool at_newline() const {
    return peek() == '\n' || (peek() == '\r' && peek(1) == '\n');
  }
  void skip_blanks() {
    while (peek() == ' ' || peek() == '\t')
      ++pos_;
  }
  void skip_to_line_end() {
    while (!at_end() && !at_newline())
      ++pos_;
  }

  tl::unexpected<Error> error(std::string message) const {
    const auto end = text_.begin() + static_cast<std::ptrdiff_t>(std::min(pos_, text_.size()));
    const auto line = 1 + std::count(text_.begin(), end, '\n');
    std::string location(file_name_);
    location += ':';
    location += std::to_string(line);
    return fail(ErrorCode::invalid_input, "cannot edit this TOML: " + std::move(message),
                std::move(location));
  }

  std::string_view text_;
  std::string_view file_name_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<TomlLayout> scan_toml_layout(std::string_view text, std::string_view file_name) {
  return Scanner(text, file_name).run();
}

std::string toml_basic_string(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
          out += "\\u00";
          out += kHex[byte >> 4U];
          out += kHex[byte & 0x0FU];
        } else {
          out += c;
        }
      }
    }
  }
  out += '"';
  return out;
}

}  // namespace kernels::detail
