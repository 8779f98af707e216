#pragma once

#include <string>
#include <vector>

#include "kernels/model/system_info.hpp"
#include "kernels/ops/info.hpp"

namespace kernels::cli {

// `kernels info REPO|PATH` as text lines (the reference's "Key: value" lines, then the chosen
// variant and the trace) and as a JSON document.
[[nodiscard]] std::vector<std::string> info_lines(const KernelInfo& info);
[[nodiscard]] std::string info_json(const KernelInfo& info, const SystemInfo& system);

}  // namespace kernels::cli
