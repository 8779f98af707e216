#pragma once

// The JSON pieces that `kernels versions` and `kernels info` share.

#include <nlohmann/json.hpp>

#include "kernels/model/system_info.hpp"
#include "kernels/model/variant_selection.hpp"

namespace kernels::cli {

// [{"variant": name, "accepted": bool, "reason": text or null}, ...] in trace order.
[[nodiscard]] nlohmann::json trace_json(const VariantSelection& selection);

// The chosen variant's name, or null.
[[nodiscard]] nlohmann::json chosen_variant_json(const VariantSelection& selection);

// What the variants were decided for: {"os", "cpu", "torch", "cxx11_abi", "backend"}.
[[nodiscard]] nlohmann::json system_json(const SystemInfo& system);

}  // namespace kernels::cli
