#pragma once

// Private: a guard run before a JSON parser sees untrusted text. nlohmann's DOM parser builds
// (and later destroys) one container per bracket, so a few megabytes of "[[[[..." cost far more
// than their size; documents we read are never deep, so depth beyond a small limit is refused
// before parsing.

#include <cstddef>
#include <optional>
#include <string_view>

namespace kernels::detail {

// The offset of the first '[' or '{' that opens a container deeper than `max_depth`, if any.
// Brackets inside strings do not count; the syntax itself is the parser's business.
[[nodiscard]] constexpr std::optional<std::size_t> find_excess_json_nesting(std::string_view text,
                                                                            int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace kernels::detail
