#pragma once

// Which build variants suit a system, and which of them is best
// (reference/kernels-spec.md sections 5.3 and 5.4).
//
// Acceptance follows the reference rule by rule, with its rejection reasons word for word,
// except rule 0: the reference drops every arch variant on free-threaded CPython < 3.15. That is a
// property of a Python interpreter, which a C++ process does not have, so it is not applied here.
//
// Preference order: the reference sorts on a key tuple, ascending,
//   arch variants:    (accepted ? 0 : 1, framework, a, b, backend)
//     torch-stable-abi: framework 0, (a, b) = (-abi major, -abi minor)   newest stable ABI first
//     torch:            framework 1, (a, b) = (0, tagged ? 1 : 0)         untagged before
//     cxx11/cxx98 tvm-ffi:          framework 2, (a, b) = (0, 0) backend = -minor version for
//     cuda/rocm/xpu/cann, else 0            highest minor first
//   noarch variants:  (accepted ? 0 : 1, 2, 0, 0, name == "universal" ? 1 : 0)
// and keeps the input order on ties, which for Hub listings is the order of a Python set, i.e.
// arbitrary. Here ties are broken by the variant name's bytes, ascending, so the trace and the
// choice depend only on the set of names, never on the order they were listed in.
// Names that do not parse come after every parsed variant, ordered by their bytes.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernels/model/system_info.hpp"
#include "kernels/model/variant.hpp"

namespace kernels {

// The rejection reason for `variant` on `system`, in the reference's words (e.g.
// "CUDA version (13.0) is not compatible with system CUDA version (12.8)"), or nothing when the
// variant is accepted. Missing system values print as "None", as the reference prints them.
[[nodiscard]] std::optional<std::string> rejection_reason(const Variant& variant,
                                                          const SystemInfo& system);

// One entry of the trace: an input and what was decided about it.
struct VariantDecision {
  // The input as given (for parsed input, its exact name).
  std::string name;
  // Empty when the name did not parse; `reason` then holds the parse error.
  std::optional<Variant> variant;
  bool accepted = false;
  // Why the variant was rejected; empty when accepted.
  std::string reason;
};

struct VariantSelection {
  // Every input exactly once (duplicates included), in preference order: accepted entries first.
  std::vector<VariantDecision> trace;

  // The most preferred accepted entry, or nullptr when nothing suits the system.
  [[nodiscard]] const VariantDecision* best() const {
    if (trace.empty() || !trace.front().accepted) return nullptr;
    return &trace.front();
  }
};

// Decides on each name and orders the trace. Names that fail to parse are kept, rejected with the
// parse error as the reason, so that a caller can show what a repository offers but this tool
// cannot read.
[[nodiscard]] VariantSelection select_variant(std::span<const std::string> names,
                                              const SystemInfo& system);

// The same for variants already parsed.
[[nodiscard]] VariantSelection select_variant(std::span<const Variant> variants,
                                              const SystemInfo& system);

}  // namespace kernels
