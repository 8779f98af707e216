#pragma once

// Private to ops/lock: the kernel dependencies of locked kernels (metadata.json `kernel-depends`)
// and the checks on the graph they make.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/hub_client.hpp"
#include "kernels/model/dependency.hpp"

#include "lock_stages.hpp"

namespace kernels::detail {

// What a missing build/<variant>/metadata.json (or a repo without build/) means.
enum class MissingMetadata { error, skip };

// The kernel-depends of every entry (each with a commit), in order: the variants' metadata.json
// files in the listing's order, each file's entries in its order, duplicates dropped. Every
// folder under build/ whose name is a variant counts, as in kernels 0.17, which locks the
// dependencies of all variants, not only of those this machine would use. Two batches for all
// entries: the listing of build/ (skipped for entries whose metadata_variants stage 4 already
// knows), then every metadata.json.
[[nodiscard]] std::vector<Result<std::vector<Dependency>>> read_kernel_depends(
    std::span<PendingLock* const> entries, HubClient& hub, MissingMetadata missing);

// A dependency cycle as the nodes along it, the first one again at the end, or empty when
// `children` (node -> the nodes it depends on) has none.
[[nodiscard]] std::vector<std::size_t> find_cycle(
    const std::vector<std::vector<std::size_t>>& children);

}  // namespace kernels::detail
