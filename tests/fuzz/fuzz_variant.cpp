// Variant names come from tree listings and lockfiles and become path components: what parses
// must be its own canonical name.
#include <cstddef>
#include <cstdint>

#include "kernels/model/variant.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  const auto text = fuzz::as_text(data, size);
  auto variant = parse_variant(text);
  if (!variant) return 0;
  fuzz::require(to_string(*variant) == text, "an accepted variant name is canonical");
  fuzz::require(
      text.find('/') == std::string_view::npos && text.find("..") == std::string_view::npos,
      "an accepted variant name is one safe path component");
  return 0;
}
