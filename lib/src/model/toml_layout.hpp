#pragma once

// Private: where the statements of a TOML document are in its text, for editing the text without
// re-serialising it (toml++ keeps values, not comments, spacing or quoting). The scanner knows
// only as much TOML as it takes to find statement boundaries reliably: strings of all four kinds
// (so that a `[` or `#` inside one is not mistaken for a header or a comment), arrays and inline
// tables that span lines, comments, and keys (bare, "basic" with escapes, 'literal', dotted).
// It expects a document that a TOML parser has accepted; on anything else it fails rather than
// guesses.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"

namespace kernels::detail {

struct TomlStatement {
  enum class Kind {
    blank,        // an empty line, or only whitespace and a comment
    table,        // [a.b]
    array_table,  // [[a.b]]
    key_value,    // a.b = value
  };
  Kind kind = Kind::blank;
  std::size_t begin = 0;          // the first byte of the statement's first line
  std::size_t end = 0;            // one past the newline of its last line (or the end of the text)
  std::size_t content_begin = 0;  // after the indentation
  std::size_t line = 0;           // 1-based line number of `begin`
  std::vector<std::string> path;  // table headers: the header's keys; key_value: the key's parts
  std::size_t value_begin = 0;    // key_value: the value's bytes, without the space around it
  std::size_t value_end = 0;
  bool multiline_value = false;  // key_value: the value spans more than one line
};

struct TomlLayout {
  std::vector<TomlStatement> statements;  // in text order, covering it whole (after a BOM)
  std::string newline = "\n";             // the file's line ending: "\r\n" when its first is
};

// Splits `text` into statements. Errors are ErrorCode::invalid_input at "<file_name>:<line>".
[[nodiscard]] Result<TomlLayout> scan_toml_layout(std::string_view text,
                                                  std::string_view file_name);

// `text` as a TOML basic string, with the quotes: "a\"b".
[[nodiscard]] std::string toml_basic_string(std::string_view text);

}  // namespace kernels::detail
