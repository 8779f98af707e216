#pragma once

// Shared by the fuzz targets: the input as text, a selector byte for targets that test several
// parsers, and the check that turns a broken property into a crash the fuzzer reports.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace kernels::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first byte picks one of `choices` parsers; the rest is the parser's input.
struct Selected {
  unsigned choice = 0;
  std::string_view text;
};

inline Selected select(std::string_view input, unsigned choices) {
  if (input.empty()) return {0, {}};
  return {static_cast<unsigned char>(input.front()) % choices, input.substr(1)};
}

// A property every accepted input must have (a round trip, a re-parse of our own output). The
// fuzzer treats the abort as a crash and keeps the input.
inline void require(bool property, const char* what) {
  if (property) return;
  std::fprintf(stderr, "fuzz property broken: %s\n", what);
  std::abort();
}

}  // namespace kernels::fuzz
