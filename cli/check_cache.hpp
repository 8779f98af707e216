#pragma once

#include "kernels/error.hpp"

#include "cli_settings.hpp"
#include "command.hpp"

namespace kernels::cli {

// `kernels check --lock` (kernels.lock matches the config, as `kernels lock --check`: exit 3) and
// `kernels check --cache` (this system's locked variants are in the cache and a full re-hash
// matches: exit 4 on a mismatch, 6 when something is missing). Both together check both; the
// --json document has a "lock" and a "cache" member for what was asked.
[[nodiscard]] Result<void> run_check_lock_cache(bool lock, bool cache, const SystemOptions& system,
                                                Context& context);

}  // namespace kernels::cli
