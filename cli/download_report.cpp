#include "download_report.hpp"

#include "download_progress.hpp"

namespace kernels::cli {

std::string to_string(VariantState state) {
  switch (state) {
    case VariantState::cached:
      return "cached";
    case VariantState::verified:
      return "verified";
    case VariantState::downloaded:
      return "downloaded";
  }
  return "cached";
}

nlohmann::json download_report_json(const DownloadReport& report) {
  nlohmann::json variants = nlohmann::json::array();
  for (const DownloadedVariant& variant : report.variants) {
    variants.push_back({{"repo_id", variant.repo_id},
                        {"commit", variant.commit},
                        {"variant", variant.variant},
                        {"state", to_string(variant.state)},
                        {"path", variant.path.string()},
                        {"files", variant.files},
                        {"bytes", variant.bytes},
                        {"bytes_fetched", variant.bytes_fetched}});
  }
  return nlohmann::json{{"variants", variants},
                        {"files_fetched", report.files_fetched},
                        {"bytes_fetched", report.bytes_fetched}};
}

std::vector<std::string> download_report_lines(const DownloadReport& report) {
  std::vector<std::string> lines;
  for (const DownloadedVariant& variant : report.variants) {
    lines.push_back(variant.repo_id + " " + variant.variant + ": " + to_string(variant.state) +
                    " (" + std::to_string(variant.files) + " files, " + human_bytes(variant.bytes) +
                    ") " + variant.path.string());
  }
  return lines;
}

}  // namespace kernels::cli
