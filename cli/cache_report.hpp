#pragma once

// Text and JSON forms of `kernels cache list` and `kernels cache prune`.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/cache/cache_inventory.hpp"
#include "kernels/cache/cache_prune.hpp"

namespace kernels::cli {

// "2026-01-31T12:00:00Z"; "never" for 0.
[[nodiscard]] std::string utc_time(std::int64_t ns);

[[nodiscard]] nlohmann::json inventory_json(const CacheInventory& inventory);
[[nodiscard]] std::vector<std::string> inventory_lines(const CacheInventory& inventory);

[[nodiscard]] nlohmann::json prune_json(const PruneReport& report);
[[nodiscard]] std::vector<std::string> prune_lines(const PruneReport& report);

}  // namespace kernels::cli
