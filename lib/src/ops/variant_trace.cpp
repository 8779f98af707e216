#include "kernels/ops/variant_trace.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <variant>

namespace kernels {

std::vector<std::string> variant_names_from_listing(const std::vector<TreeEntry>& entries) {
  constexpr std::string_view kPrefix = "build/";
  std::vector<std::string> names;
  for (const TreeEntry& entry : entries) {
    if (entry.type != TreeEntryType::directory) continue;
    const std::string_view path = entry.path;
    if (!path.starts_with(kPrefix)) continue;
    const std::string_view name = path.substr(kPrefix.size());
    if (name.empty() || name.find('/') != std::string_view::npos) continue;
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<std::string> backends_of_variants(const std::vector<std::string>& names) {
  std::set<std::string> backends;
  for (const std::string& name : names) {
    const auto variant = parse_variant(name);
    if (!variant) continue;
    if (const auto* arch = std::get_if<ArchVariant>(&*variant)) {
      backends.emplace(backend_name(arch->arch.backend.kind));
    } else {
      backends.insert(std::get<NoarchVariant>(*variant).backend_name);
    }
  }
  return {backends.begin(), backends.end()};
}

std::vector<std::string> describe_trace(const VariantSelection& selection) {
  std::vector<std::string> lines;
  const VariantDecision* best = selection.best();
  for (const VariantDecision& decision : selection.trace) {
    if (&decision == best) {
      lines.push_back("chosen      " + decision.name);
    } else if (decision.accepted) {
      lines.push_back("compatible  " + decision.name);
    } else {
      lines.push_back("rejected    " + decision.name + ": " + decision.reason);
    }
  }
  return lines;
}

}  // namespace kernels
