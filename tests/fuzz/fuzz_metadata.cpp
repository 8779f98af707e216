// metadata.json of a downloaded variant: untrusted JSON of any shape. What parses must carry only
// valid repo ids in its kernel dependencies (they become cache paths and Hub URLs).
#include <cstddef>
#include <cstdint>

#include "kernels/model/metadata.hpp"
#include "kernels/model/repo_id.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  auto metadata = parse_metadata(fuzz::as_text(data, size), "metadata.json");
  if (!metadata) return 0;
  for (const Dependency& dependency : metadata->kernel_depends) {
    fuzz::require(validate_repo_id(dependency.repo_id).has_value(),
                  "kernel-depends hold valid repo ids");
  }
  return 0;
}
