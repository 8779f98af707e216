#include "kernels/system/torch_files.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/ascii.hpp"

namespace kernels {
namespace {

using ascii::is_digit;
using ascii::is_space;
using ascii::trim;

constexpr std::size_t kMaxNumberDigits = 9;  // always fits std::uint32_t

bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_identifier_char(char c) {
  return is_identifier_start(c) || is_digit(c);
}

// Reads leading digits into `value`; returns how many were read (0 when none or too many).
std::size_t read_number(std::string_view text, std::uint32_t& value) {
  std::size_t count = 0;
  value = 0;
  while (count < text.size() && is_digit(text[count])) {
    if (count == kMaxNumberDigits) return 0;
    value = value * 10U + static_cast<std::uint32_t>(text[count] - '0');
    ++count;
  }
  return count;
}

// A Python literal on the right of `=` in version.py.
struct PyValue {
  enum class Kind { string, none, boolean } kind = Kind::none;
  std::string text;
  bool flag = false;
};

Result<PyValue> parse_py_value(std::string_view text) {
  text = trim(text);
  if (!text.empty() && (text.front() == '\'' || text.front() == '"')) {
    const char quote = text.front();
    const auto close = text.find(quote, 1);
    if (close == std::string_view::npos) {
      return fail(ErrorCode::invalid_input, "unterminated string");
    }
    const std::string_view content = text.substr(1, close - 1);
    if (content.find('\\') != std::string_view::npos) {
      return fail(ErrorCode::invalid_input, "escape sequences in strings are not supported");
    }
    const std::string_view rest = trim(text.substr(close + 1));
    if (!rest.empty() && rest.front() != '#') {
      return fail(ErrorCode::invalid_input, "unexpected text after the string");
    }
    return PyValue{PyValue::Kind::string, std::string(content), false};
  }
  const std::string_view token = trim(text.substr(0, text.find('#')));
  if (token == "None") return PyValue{PyValue::Kind::none, {}, false};
  if (token == "True") return PyValue{PyValue::Kind::boolean, {}, true};
  if (token == "False") return PyValue{PyValue::Kind::boolean, {}, false};
  return fail(ErrorCode::invalid_input, "expected a quoted string, None, True or False, found '" +
                                            std::string(token.substr(0, 40)) + "'");
}

// `NAME = VALUE` or `NAME: ANNOTATION = VALUE` at the start of a line.
struct PyAssignment {
  std::string_view name;
  std::string_view value;
};

std::optional<PyAssignment> split_assignment(std::string_view line) {
  if (line.empty() || !is_identifier_start(line.front())) return std::nullopt;
  std::size_t end = 1;
  while (end < line.size() && is_identifier_char(line[end]))
    ++end;
  const std::string_view name = line.substr(0, end);
  std::string_view rest = trim(line.substr(end));
  if (!rest.empty() && rest.front() == ':') {
    // An annotation cannot contain '=', so the value starts after the first one.
    const auto equals = rest.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    rest = rest.substr(equals);
  }
  if (rest.empty() || rest.front() != '=' || (rest.size() > 1 && rest[1] == '=')) {
    return std::nullopt;
  }
  return PyAssignment{name, rest.substr(1)};
}

Error at_line(Error error, std::size_t line_number) {
  error.location = "version.py:";
  error.location += std::to_string(line_number);
  return error;
}

// Splits "cu124" into "12.4" the way variant names do: every digit but the last is the major.
std::optional<std::string> cuda_from_label(std::string_view digits) {
  if (digits.size() < 2) return std::nullopt;
  for (const char c : digits) {
    if (!is_digit(c)) return std::nullopt;
  }
  std::string version(digits.substr(0, digits.size() - 1));
  version += '.';
  version += digits.back();
  return version;
}

}  // namespace

Result<TorchVersionFile> parse_torch_version_py(std::string_view text) {
  TorchVersionFile file;
  bool has_version = false;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);

    const auto assignment = split_assignment(line);
    if (!assignment) continue;
    const std::string_view name = assignment->name;
    const bool wants_string = name == "__version__" || name == "git_version";
    const bool wants_optional_string = name == "cuda" || name == "hip" || name == "xpu";
    const bool wants_bool = name == "debug";
    if (!wants_string && !wants_optional_string && !wants_bool) continue;

    auto value = parse_py_value(assignment->value);
    if (!value) return tl::unexpected(at_line(value.error(), line_number));
    const auto kind = value->kind;
    const bool fits = (wants_string && kind == PyValue::Kind::string) ||
                      (wants_optional_string && kind != PyValue::Kind::boolean) ||
                      (wants_bool && kind == PyValue::Kind::boolean);
    if (!fits) {
      // Appended piece by piece: GCC 12 at -O3 flags `"'" + std::string(...)` with a false
      // -Wrestrict (GCC bug 105329).
      std::string message = "'";
      message += name;
      message += "' has a value of the wrong type";
      return tl::unexpected(
          at_line(Error{ErrorCode::invalid_input, std::move(message), {}}, line_number));
    }
    std::optional<std::string> string_value;
    if (kind == PyValue::Kind::string) string_value = std::move(value->text);
    if (name == "__version__") {
      file.version = std::move(*string_value);
      has_version = true;
    } else if (name == "git_version") {
      file.git_version = std::move(string_value);
    } else if (name == "cuda") {
      file.cuda = std::move(string_value);
    } else if (name == "hip") {
      file.hip = std::move(string_value);
    } else if (name == "xpu") {
      file.xpu = std::move(string_value);
    } else {
      file.debug = value->flag;
    }
  }
  if (!has_version || file.version.empty()) {
    return fail(ErrorCode::invalid_input,
                "version.py assigns no __version__ string; is this a PyTorch installation?");
  }
  return file;
}

Result<TorchVersionFile> parse_libtorch_build_version(std::string_view text) {
  const std::string_view version = trim(text.substr(0, text.find('\n')));
  if (version.empty() || trim(text).size() != version.size()) {
    return fail(ErrorCode::invalid_input,
                "build-version should hold one line with the Torch version, e.g. 2.6.0+cu124");
  }
  TorchVersionFile file;
  file.version = std::string(version);
  const auto plus = version.find('+');
  if (plus == std::string_view::npos) return file;
  const std::string_view label = version.substr(plus + 1);
  if (label.starts_with("cu")) {
    file.cuda = cuda_from_label(label.substr(2));
  } else if (label.starts_with("rocm") && label.size() > 4 && is_digit(label[4])) {
    file.hip = std::string(label.substr(4));
  }
  return file;
}

std::optional<bool> parse_torch_config_cxx11_abi(std::string_view text) {
  constexpr std::string_view kFlag = "_GLIBCXX_USE_CXX11_ABI=";
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (line.empty() || line.front() == '#') continue;
    for (auto at = line.find(kFlag); at != std::string_view::npos; at = line.find(kFlag, at + 1)) {
      const std::string_view value = line.substr(at + kFlag.size());
      if (value.empty() || (value[0] != '0' && value[0] != '1')) continue;
      if (value.size() > 1 && is_digit(value[1])) continue;
      return value[0] == '1';
    }
  }
  return std::nullopt;
}

Result<MajorMinor> parse_torch_major_minor(std::string_view version) {
  std::string_view rest = trim(version);
  if (!rest.empty() && (rest.front() == 'v' || rest.front() == 'V')) rest.remove_prefix(1);
  if (const auto bang = rest.find('!'); bang != std::string_view::npos) {
    std::uint32_t epoch = 0;
    if (bang == 0 || read_number(rest, epoch) != bang) {
      return fail(ErrorCode::invalid_input,
                  "invalid Torch version '" + std::string(version.substr(0, 64)) + "'");
    }
    rest.remove_prefix(bang + 1);
  }
  MajorMinor result;
  const std::size_t major_digits = read_number(rest, result.major);
  if (major_digits == 0) {
    return fail(ErrorCode::invalid_input,
                "invalid Torch version '" + std::string(version.substr(0, 64)) +
                    "': expected it to start with MAJOR.MINOR, e.g. 2.11.0");
  }
  rest.remove_prefix(major_digits);
  if (!rest.empty() && rest.front() == '.') {
    const std::size_t minor_digits = read_number(rest.substr(1), result.minor);
    if (minor_digits == 0) {
      return fail(ErrorCode::invalid_input,
                  "invalid Torch version '" + std::string(version.substr(0, 64)) +
                      "': expected it to start with MAJOR.MINOR, e.g. 2.11.0");
    }
  }
  return result;
}

}  // namespace kernels
