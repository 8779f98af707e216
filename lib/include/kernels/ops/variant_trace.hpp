#pragma once

// What `kernels versions` and `kernels info` share: the variant names under build/ and the
// human-readable form of a selection trace.

#include <string>
#include <vector>

#include "kernels/hub/hub_types.hpp"
#include "kernels/model/variant_selection.hpp"

namespace kernels {

// The variant names of a non-recursive listing of `build`: the directories directly under it,
// sorted by their bytes. Files and deeper entries are left out (a Hub answers with entries such as
// "build/torch-cpu"; a listing of another folder gives nothing).
[[nodiscard]] std::vector<std::string> variant_names_from_listing(
    const std::vector<TreeEntry>& entries);

// The backend names the variants are built for, sorted and without duplicates: the backend of an
// arch variant ("cuda" for cu128, "cpu", "rocm", ...), the name of a noarch one ("cuda",
// "universal", ...). Names that do not parse are skipped.
[[nodiscard]] std::vector<std::string> backends_of_variants(const std::vector<std::string>& names);

// One line per trace entry, in trace order, for text output:
//   "chosen      torch210-cxx11-cpu-x86_64-linux"
//   "compatible  torch-cpu"
//   "rejected    torch210-cxx11-cu128-x86_64-linux: backend (cu128) does not match ..."
[[nodiscard]] std::vector<std::string> describe_trace(const VariantSelection& selection);

}  // namespace kernels
