// kernels.lock from an untrusted checkout: parse, and for what parses, our own output must parse
// back to the same lockfile and serialize to the same bytes.
#include <cstddef>
#include <cstdint>

#include "kernels/model/lockfile.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  auto lockfile = parse_lockfile(fuzz::as_text(data, size), "kernels.lock");
  if (!lockfile) return 0;
  const std::string written = serialize_lockfile(*lockfile);
  auto reparsed = parse_lockfile(written);
  fuzz::require(reparsed.has_value(), "a parsed lockfile, written out, parses again");
  fuzz::require(*reparsed == *lockfile, "the lockfile survives a write and a read unchanged");
  fuzz::require(serialize_lockfile(*reparsed) == written, "writing is deterministic");
  return 0;
}
