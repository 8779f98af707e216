#pragma once

// The --json document and the text lines of `kernels download` and `kernels check --cache`.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/ops/download.hpp"

namespace kernels::cli {

[[nodiscard]] nlohmann::json download_report_json(const DownloadReport& report);
[[nodiscard]] std::vector<std::string> download_report_lines(const DownloadReport& report);
[[nodiscard]] std::string to_string(VariantState state);

}  // namespace kernels::cli
