#include "kernels/abi/python_stable_abi.hpp"

#include <algorithm>
#include <charconv>

#include "embedded_data.hpp"

namespace kernels {
namespace {

std::optional<std::uint32_t> number(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<PythonVersion> parse_major_minor(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto major = number(text.substr(0, dot));
  const auto minor = number(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return PythonVersion{*major, *minor};
}

}  // namespace

Result<PythonVersion> parse_python_version(std::string_view text) {
  const auto version = parse_major_minor(text);
  if (!version || version->major != 3) {
    return fail(ErrorCode::usage, "'" + std::string(text) +
                                      "' is not a Python 3 version (expected 3.MINOR, e.g. 3.9)");
  }
  return *version;
}

std::string to_string(PythonVersion version) {
  return std::to_string(version.major) + "." + std::to_string(version.minor);
}

Result<PythonStableAbi> PythonStableAbi::builtin() {
  return parse(abi_data::python_stable_abi_text());
}

Result<PythonStableAbi> PythonStableAbi::parse(std::string_view text) {
  PythonStableAbi abi;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    ++line_number;
    if (line.empty() || line.starts_with('#')) continue;
    const auto space = line.find(' ');
    const auto version =
        space == std::string_view::npos ? std::nullopt : parse_major_minor(line.substr(space + 1));
    if (!version || space == 0) {
      return fail(ErrorCode::invalid_input, "expected 'NAME MAJOR.MINOR'",
                  "python-stable-abi.txt:" + std::to_string(line_number));
    }
    abi.added_.emplace(std::string(line.substr(0, space)), *version);
  }
  return abi;
}

std::optional<PythonVersion> PythonStableAbi::added(std::string_view symbol) const {
  const auto found = added_.find(symbol);
  if (found == added_.end()) return std::nullopt;
  return found->second;
}

std::vector<AbiProblem> check_python_abi(const std::vector<std::string>& imported,
                                         const PythonStableAbi& abi, PythonVersion target) {
  std::vector<AbiProblem> problems;
  for (const std::string& symbol : imported) {
    if (const auto added = abi.added(symbol)) {
      if (*added <= target) continue;
      problems.push_back({AbiProblemKind::python_abi_too_new,
                          symbol + " joined the stable ABI in Python " + to_string(*added) +
                              ", after " + to_string(target),
                          symbol, to_string(*added)});
    } else if (symbol.starts_with("Py") || symbol.starts_with("_Py")) {
      problems.push_back({AbiProblemKind::python_not_stable_abi,
                          symbol + " is not part of Python's stable ABI (abi3)",
                          symbol,
                          {}});
    }
  }
  std::sort(problems.begin(), problems.end(),
            [](const AbiProblem& a, const AbiProblem& b) { return a.subject < b.subject; });
  problems.erase(std::unique(problems.begin(), problems.end()), problems.end());
  return problems;
}

}  // namespace kernels
