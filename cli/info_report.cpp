#include "info_report.hpp"

#include <variant>

#include <nlohmann/json.hpp>

#include "kernels/ops/variant_trace.hpp"

#include "variant_json.hpp"

namespace kernels::cli {
namespace {

std::string joined_or_dash(const std::vector<std::string>& items) {
  if (items.empty()) return "-";
  std::string text;
  for (const std::string& item : items)
    text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::string text_or_dash(const std::optional<std::string>& value) {
  return value && !value->empty() ? *value : "-";
}

std::vector<std::string> kernel_depends_text(const KernelMetadata& metadata) {
  std::vector<std::string> items;
  for (const Dependency& dependency : metadata.kernel_depends)
    items.push_back(dependency.repo_id + " " + describe(dependency.requirement));
  return items;
}

nlohmann::json kernel_depends_json(const KernelMetadata& metadata) {
  nlohmann::json items = nlohmann::json::array();
  for (const Dependency& dependency : metadata.kernel_depends) {
    nlohmann::json item = {{"repo_id", dependency.repo_id}};
    if (const auto* major = std::get_if<MajorVersion>(&dependency.requirement)) {
      item["version"] = major->number;
    } else if (const auto* revision = std::get_if<Revision>(&dependency.requirement)) {
      item["revision"] = revision->name;
    } else {
      item["version"] = std::get<VersionSpecifier>(dependency.requirement).text;
    }
    items.push_back(std::move(item));
  }
  return items;
}

nlohmann::json optional_json(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

}  // namespace

std::vector<std::string> info_lines(const KernelInfo& info) {
  std::vector<std::string> lines;
  if (info.repo) {
    lines.push_back("Repository: " + info.repo->repo_id);
    lines.push_back("Revision: " + info.revision);
    lines.push_back("Commit: " + info.commit);
  } else if (info.path) {
    lines.push_back("Path: " + info.path->string());
  }
  const KernelMetadata* metadata = info.metadata ? &*info.metadata : nullptr;
  lines.push_back("Name: " + (metadata ? metadata->name : "-"));
  lines.push_back("Version: " + (metadata ? std::to_string(metadata->version) : "-"));
  lines.push_back("License: " + (metadata ? metadata->license : "-"));
  lines.push_back("Upstream: " + (metadata ? text_or_dash(metadata->upstream) : "-"));
  lines.push_back("Source: " + (metadata ? text_or_dash(metadata->source) : "-"));
  lines.push_back("Backends: " + joined_or_dash(info.backends));
  lines.push_back("Python dependencies: " +
                  (metadata ? joined_or_dash(metadata->python_depends) : "-"));
  lines.push_back("Kernel dependencies: " +
                  (metadata ? joined_or_dash(kernel_depends_text(*metadata)) : "-"));
  const VariantDecision* best = info.selection.best();
  std::string variant = "Variant: " + (best ? best->name : std::string("none for this system"));
  if (metadata && (best == nullptr || best->name != info.metadata_variant))
    variant += " (metadata from " + info.metadata_variant + ")";
  lines.push_back(variant);
  lines.push_back("Variants:");
  for (const std::string& line : describe_trace(info.selection))
    lines.push_back("  " + line);
  return lines;
}

std::string info_json(const KernelInfo& info, const SystemInfo& system) {
  nlohmann::json document = nlohmann::json::object();
  if (info.repo) {
    document["repo_id"] = info.repo->repo_id;
    document["repo_type"] = std::string(to_string(info.repo->type));
    document["revision"] = info.revision;
    document["commit"] = info.commit;
  } else if (info.path) {
    document["path"] = info.path->string();
  }
  const KernelMetadata* metadata = info.metadata ? &*info.metadata : nullptr;
  document["name"] = metadata ? nlohmann::json(metadata->name) : nlohmann::json();
  document["id"] = metadata ? nlohmann::json(metadata->id) : nlohmann::json();
  document["version"] = metadata ? nlohmann::json(metadata->version) : nlohmann::json();
  document["license"] = metadata ? nlohmann::json(metadata->license) : nlohmann::json();
  document["upstream"] = metadata ? optional_json(metadata->upstream) : nlohmann::json();
  document["source"] = metadata ? optional_json(metadata->source) : nlohmann::json();
  document["python_depends"] =
      metadata ? nlohmann::json(metadata->python_depends) : nlohmann::json();
  document["kernel_depends"] = metadata ? kernel_depends_json(*metadata) : nlohmann::json();
  document["backends"] = info.backends;
  document["variant"] = chosen_variant_json(info.selection);
  document["metadata_variant"] =
      metadata ? nlohmann::json(info.metadata_variant) : nlohmann::json();
  document["variants"] = info.variants;
  document["trace"] = trace_json(info.selection);
  document["system"] = system_json(system);
  document["warnings"] = info.warnings;
  return document.dump(2);
}

}  // namespace kernels::cli
