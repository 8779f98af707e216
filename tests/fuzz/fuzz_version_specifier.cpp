// PEP 440 versions and specifier sets (tags from the Hub, constraints from a config): what parses
// must print in canonical form and parse back equal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernels/model/specifier.hpp"
#include "kernels/model/version.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  const std::string_view input = fuzz::as_text(data, size);
  // "SPEC\nVERSION": both parsers on their part, then the match between them.
  const auto newline = input.find('\n');
  const std::string_view spec_text = input.substr(0, newline);
  const std::string_view version_text =
      newline == std::string_view::npos ? input : input.substr(newline + 1);

  auto version = Version::parse(version_text);
  if (version) {
    auto again = Version::parse(version->to_string());
    fuzz::require(again.has_value() && *again == *version, "a version round-trips");
  }
  auto spec = SpecifierSet::parse(spec_text);
  if (spec) {
    auto again = SpecifierSet::parse(spec->to_string());
    fuzz::require(again.has_value() && *again == *spec, "a specifier set round-trips");
    if (version) {
      fuzz::require(spec->contains(*version) == again->contains(*version),
                    "equal specifier sets accept the same versions");
    }
  }
  return 0;
}
