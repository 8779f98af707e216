#pragma once

// Private: JSON text as Python's json module writes it, and the JSON paths our errors name.

#include <cstddef>
#include <string>
#include <string_view>

namespace kernels::detail {

// `text` (UTF-8) as a quoted JSON string with Python's ensure_ascii escaping: \" \\ \b \f \n \r \t,
// other characters outside ' '..'~' as lowercase \uXXXX, beyond the BMP as a surrogate pair.
// Bytes that are not valid UTF-8 are written as \ufffd (a Python str cannot hold them).
[[nodiscard]] std::string python_json_quote(std::string_view text);

// Appends the path segment of an object member: `.name` when the key is an identifier, else
// `["key"]` (quoted as above), e.g. `$[0].variants["torch-cpu"]`.
[[nodiscard]] std::string json_path_member(std::string_view parent, std::string_view key);

// Appends the path segment of an array element: `[index]`.
[[nodiscard]] std::string json_path_element(std::string_view parent, std::size_t index);

// A value shown inside an error message: quoted as above and cut to a readable length.
[[nodiscard]] std::string shown_value(std::string_view text);

// The location of a JSON path in a named file: "file: $[0].sha", or just the path without a name.
[[nodiscard]] std::string json_location(std::string_view file_name, std::string_view path);

}  // namespace kernels::detail
