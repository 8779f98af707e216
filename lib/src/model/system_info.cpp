#include "kernels/model/system_info.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kernels {
namespace {

// Nine decimal digits always fit in std::uint32_t.
constexpr std::size_t kMaxNumberDigits = 9;

bool read_component(std::string_view digits, std::uint32_t& value) {
  if (digits.empty() || digits.size() > kMaxNumberDigits) return false;
  value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10U + static_cast<std::uint32_t>(c - '0');
  }
  return true;
}

}  // namespace

std::string to_string(const MacOsVersion& version) {
  // Appended piece by piece: GCC 12 at -O2 flags `"." + std::to_string(...)` with a false
  // -Wrestrict (GCC bug 105329).
  std::string text = std::to_string(version.major);
  text += '.';
  text += std::to_string(version.minor);
  if (version.patch) {
    text += '.';
    text += std::to_string(*version.patch);
  }
  return text;
}

Result<MacOsVersion> parse_macos_version(std::string_view text) {
  std::vector<std::uint32_t> components;
  std::size_t start = 0;
  while (components.size() < 4) {
    const std::size_t dot = text.find('.', start);
    const std::string_view digits =
        text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    std::uint32_t value = 0;
    if (!read_component(digits, value)) break;
    components.push_back(value);
    if (dot == std::string_view::npos) {
      if (components.size() == 2) return MacOsVersion{components[0], components[1], std::nullopt};
      if (components.size() == 3) return MacOsVersion{components[0], components[1], components[2]};
      break;
    }
    start = dot + 1;
  }
  return fail(ErrorCode::invalid_input,
              "invalid macOS version '" + std::string(text.substr(0, 64)) +
                  "': expected MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 15.7 or 15.7.1");
}

}  // namespace kernels
