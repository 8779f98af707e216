#include "system_report.hpp"

#include <nlohmann/json.hpp>

namespace kernels::cli {
namespace {

std::string optional_text(const std::optional<std::string>& value) {
  return value ? "'" + *value + "'" : "None";
}

std::string abi_text(const std::optional<bool>& cxx11_abi) {
  if (!cxx11_abi) return "unknown";
  return *cxx11_abi ? "cxx11" : "cxx98 (pre-C++11)";
}

}  // namespace

std::vector<std::string> system_report_lines(const DetectedSystem& detected) {
  const SystemInfo& system = detected.system;
  std::vector<std::string> lines;
  lines.push_back("os:       " + system.os);
  lines.push_back("cpu:      " + system.cpu);
  if (detected.torch) {
    const TorchInstallation& torch = *detected.torch;
    lines.push_back("torch:    " + torch.version_file.version +
                    " (C++ ABI: " + abi_text(torch.cxx11_abi) + ")");
    lines.push_back("          at " + torch.directory.string() + " (found through " +
                    std::string(to_string(torch.source)) +
                    (torch.source_detail.empty() ? "" : ": " + torch.source_detail) + ")");
    lines.push_back("          cuda " + optional_text(torch.version_file.cuda) + ", hip " +
                    optional_text(torch.version_file.hip) + ", xpu " +
                    optional_text(torch.version_file.xpu));
  } else {
    lines.push_back("torch:    not found (only noarch variants can be chosen; use --torch PATH)");
  }
  lines.push_back("backend:  " + to_string(system.backend) + " (" + detected.backend_origin + ")");
  if (system.macos_version) lines.push_back("macos:    " + to_string(*system.macos_version));
  for (const std::string& warning : detected.warnings)
    lines.push_back("warning:  " + warning);
  return lines;
}

std::string system_report_json(const DetectedSystem& detected) {
  const SystemInfo& system = detected.system;
  nlohmann::json document;
  document["os"] = system.os;
  document["cpu"] = system.cpu;
  if (detected.torch) {
    const TorchInstallation& torch = *detected.torch;
    document["torch"] = {
        {"version", system.torch_version ? to_string(*system.torch_version) : std::string()},
        {"full_version", torch.version_file.version},
        {"cxx11_abi", torch.cxx11_abi ? nlohmann::json(*torch.cxx11_abi) : nlohmann::json()},
        {"cxx11_abi_origin", torch.cxx11_abi_origin},
        {"path", torch.directory.string()},
        {"source", std::string(to_string(torch.source))},
        {"cuda",
         torch.version_file.cuda ? nlohmann::json(*torch.version_file.cuda) : nlohmann::json()},
        {"hip",
         torch.version_file.hip ? nlohmann::json(*torch.version_file.hip) : nlohmann::json()},
    };
  } else {
    document["torch"] = nullptr;
  }
  document["backend"] = {
      {"name", std::string(backend_name(system.backend.kind))},
      {"version", system.backend.version ? to_string(*system.backend.version) : std::string()},
      {"variant_spelling", to_string(system.backend)},
      {"origin", detected.backend_origin}};
  document["macos_version"] =
      system.macos_version ? nlohmann::json(to_string(*system.macos_version)) : nlohmann::json();
  nlohmann::json searched = nlohmann::json::array();
  for (const auto& path : detected.torch_search_path)
    searched.push_back(path.string());
  document["torch_search_path"] = std::move(searched);
  document["warnings"] = detected.warnings;
  return document.dump(2);
}

}  // namespace kernels::cli
