#pragma once

#include <string>
#include <vector>

#include "kernels/system/detect.hpp"

namespace kernels::cli {

// `kernels info --system` as text lines and as a JSON document.
[[nodiscard]] std::vector<std::string> system_report_lines(const DetectedSystem& detected);
[[nodiscard]] std::string system_report_json(const DetectedSystem& detected);

}  // namespace kernels::cli
