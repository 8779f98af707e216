// kernels.lock from an untrusted checkout: parse, and for what parses, our own output must parse
// back to the same lockfile and serialize to the same bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/model/lockfile.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  auto lockfile = parse_lockfile(fuzz::as_text(data, size), "kernels.lock");
  if (!lockfile) return 0;
  const std::string written = serialize_lockfile(*lockfile);
  auto reparsed = parse_lockfile(written);
  fuzz::require(reparsed.has_value(), "a parsed lockfile, written out, parses again");
  // The dependency_commits format is written sorted (as kernels-data writes it), so a file in
  // another order comes back reordered: compare entries as a set there, in order otherwise.
  Lockfile expected = *lockfile;
  if (expected.format == LockFormat::dependency_commits) {
    const auto key = [](const LockedKernel& kernel) {
      return kernel.repo_id + '\n' + (kernel.requirement ? describe(*kernel.requirement) : "") +
             '\n' + kernel.sha;
    };
    const auto by_key = [&](const LockedKernel& a, const LockedKernel& b) {
      return key(a) < key(b);
    };
    std::sort(expected.kernels.begin(), expected.kernels.end(), by_key);
    std::sort(reparsed->kernels.begin(), reparsed->kernels.end(), by_key);
  }
  fuzz::require(*reparsed == expected, "the lockfile survives a write and a read unchanged");
  fuzz::require(serialize_lockfile(*reparsed) == written, "writing is deterministic");
  return 0;
}
