#include "kernels/abi/manylinux_policy.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "embedded_data.hpp"

namespace kernels {
namespace {

using Json = nlohmann::json;

std::vector<std::string> string_list(const Json& value) {
  std::vector<std::string> list;
  for (const Json& item : value)
    list.push_back(item.get<std::string>());
  return list;
}

// "2.28" -> {2, 28}; nothing for versions with non-numeric parts ("PRIVATE").
std::optional<std::vector<std::uint64_t>> numeric_version(std::string_view text) {
  std::vector<std::uint64_t> parts;
  while (true) {
    const auto dot = text.find('.');
    const std::string_view part = text.substr(0, dot);
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || error != std::errc{} || end != part.data() + part.size()) {
      return std::nullopt;
    }
    parts.push_back(value);
    if (dot == std::string_view::npos) return parts;
    text = text.substr(dot + 1);
  }
}

// The dynamic loader is the system's, whatever the policy: auditwheel judges neither its
// version requirements nor a DT_NEEDED entry naming it.
bool is_dynamic_loader(std::string_view library) {
  return library.starts_with("ld-linux") || library == "ld64.so.1" || library == "ld64.so.2";
}

// A kernel links against its framework (Torch, tvm-ffi) and the GPU runtime, which the
// framework's own wheels provide at run time; they are not the kernel's to bundle, so the
// library rule does not apply to them (the symbol-version rule still does).
bool is_framework_library(std::string_view library) {
  static constexpr std::string_view kPrefixes[] = {
      "libtorch",     "libc10",      "libtvm_ffi", "libpython3",   "libcuda.so",
      "libcudart.so", "libcublas",   "libcudnn",   "libcufft",     "libcurand",
      "libcusolver",  "libcusparse", "libnccl",    "libnvrtc",     "libnvToolsExt",
      "libnvJitLink", "libamdhip64", "libhip",     "librocblas",   "libhipblas",
      "libMIOpen",    "librccl",     "libsycl",    "libOpenCL.so", "libze_loader"};
  return std::any_of(std::begin(kPrefixes), std::end(kPrefixes),
                     [library](std::string_view prefix) { return library.starts_with(prefix); });
}

// GLIBC_2.34 -> {GLIBC, 2.34}; the split is at the first '_', as auditwheel splits.
std::pair<std::string_view, std::string_view> split_requirement(std::string_view requirement) {
  const auto underscore = requirement.find('_');
  if (underscore == std::string_view::npos) return {requirement, {}};
  return {requirement.substr(0, underscore), requirement.substr(underscore + 1)};
}

}  // namespace

Result<ManylinuxPolicies> ManylinuxPolicies::builtin() {
  return parse(abi_data::manylinux_policy_text());
}

Result<ManylinuxPolicies> ManylinuxPolicies::parse(std::string_view json_text) {
  const Json document = Json::parse(json_text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return fail(ErrorCode::invalid_input, "the manylinux policy data is not a JSON object");
  }
  ManylinuxPolicies policies;
  try {
    for (const Json& entry : document.at("policies")) {
      ManylinuxPolicy policy;
      policy.name = entry.at("name").get<std::string>();
      policy.aliases = string_list(entry.at("aliases"));
      policy.archs = string_list(entry.at("archs"));
      policy.libraries = string_list(entry.at("libraries"));
      policy.index = policies.policies_.size();
      policies.policies_.push_back(std::move(policy));
    }
    for (const auto& [arch, prefixes] : document.at("symbol_versions").items()) {
      auto& by_prefix = policies.first_allowed_[arch];
      for (const auto& [prefix, versions] : prefixes.items()) {
        auto& by_version = by_prefix[prefix];
        for (const Json& pair : versions) {
          by_version[pair.at(0).get<std::string>()] = pair.at(1).get<std::size_t>();
        }
      }
    }
  } catch (const Json::exception& error) {
    return fail(ErrorCode::invalid_input,
                std::string("the manylinux policy data is malformed: ") + error.what());
  }
  return policies;
}

const ManylinuxPolicy* ManylinuxPolicies::find(std::string_view name) const {
  for (const ManylinuxPolicy& policy : policies_) {
    if (policy.name == name) return &policy;
    if (std::find(policy.aliases.begin(), policy.aliases.end(), name) != policy.aliases.end()) {
      return &policy;
    }
  }
  return nullptr;
}

bool ManylinuxPolicies::restricts(const ManylinuxPolicy& policy, std::string_view arch,
                                  std::string_view prefix) const {
  const auto by_prefix = first_allowed_.find(arch);
  if (by_prefix == first_allowed_.end()) return false;
  const auto versions = by_prefix->second.find(prefix);
  if (versions == by_prefix->second.end()) return false;
  // A prefix enters a policy with all of its first versions at once (generate.py).
  return std::any_of(versions->second.begin(), versions->second.end(),
                     [&policy](const auto& entry) { return entry.second <= policy.index; });
}

bool ManylinuxPolicies::allows(const ManylinuxPolicy& policy, std::string_view arch,
                               std::string_view prefix, std::string_view version) const {
  const auto by_prefix = first_allowed_.find(arch);
  if (by_prefix == first_allowed_.end()) return false;
  const auto versions = by_prefix->second.find(prefix);
  if (versions == by_prefix->second.end()) return false;
  const auto found = versions->second.find(version);
  return found != versions->second.end() && found->second <= policy.index;
}

std::string ManylinuxPolicies::highest_allowed(const ManylinuxPolicy& policy, std::string_view arch,
                                               std::string_view prefix) const {
  const auto by_prefix = first_allowed_.find(arch);
  if (by_prefix == first_allowed_.end()) return {};
  const auto versions = by_prefix->second.find(prefix);
  if (versions == by_prefix->second.end()) return {};
  std::string best;
  std::vector<std::uint64_t> best_parts;
  for (const auto& [version, index] : versions->second) {
    if (index > policy.index) continue;
    auto parts = numeric_version(version);
    if (parts && (best.empty() || *parts > best_parts)) {
      best = version;
      best_parts = std::move(*parts);
    }
  }
  return best;
}

std::vector<AbiProblem> check_manylinux(const ElfInfo& elf, const ManylinuxPolicy& policy,
                                        const ManylinuxPolicies& policies) {
  std::vector<AbiProblem> problems;
  if (std::find(policy.archs.begin(), policy.archs.end(), elf.machine) == policy.archs.end()) {
    problems.push_back({AbiProblemKind::architecture,
                        policy.name + " has no rules for architecture " + elf.machine,
                        elf.machine,
                        {}});
    return problems;
  }
  const auto violation = [&](const std::string& library, const std::string& requirement) {
    if (is_dynamic_loader(library)) return false;
    const auto [prefix, version] = split_requirement(requirement);
    return policies.restricts(policy, elf.machine, prefix) &&
           !policies.allows(policy, elf.machine, prefix, version);
  };
  const auto limit_note = [&](const std::string& requirement) {
    const auto prefix = split_requirement(requirement).first;
    const std::string highest = policies.highest_allowed(policy, elf.machine, prefix);
    return " (" + policy.name + " allows " + std::string(prefix) +
           (highest.empty() ? " in no version" : " up to " + highest) + ")";
  };

  std::set<std::string> used_requirements;
  for (const ElfImportedSymbol& symbol : elf.imported_symbols) {
    if (symbol.version.empty()) continue;
    used_requirements.insert(symbol.version);
    if (!violation(symbol.library, symbol.version)) continue;
    problems.push_back({AbiProblemKind::symbol_version,
                        symbol.name + " needs " + symbol.version + limit_note(symbol.version),
                        symbol.name, symbol.version});
  }
  // Requirements no imported symbol names still bind the loader (auditwheel judges them all).
  for (const ElfVersionNeed& need : elf.version_needs) {
    if (used_requirements.contains(need.version) || !violation(need.library, need.version))
      continue;
    used_requirements.insert(need.version);
    problems.push_back(
        {AbiProblemKind::symbol_version,
         need.library + " is required in version " + need.version + limit_note(need.version),
         need.library, need.version});
  }
  for (const std::string& library : elf.needed) {
    if (std::find(policy.libraries.begin(), policy.libraries.end(), library) !=
            policy.libraries.end() ||
        is_framework_library(library) || is_dynamic_loader(library)) {
      continue;
    }
    problems.push_back({AbiProblemKind::library,
                        "links against " + library + ", which " + policy.name +
                            " does not allow (bundle it into the wheel or kernel)",
                        library,
                        {}});
  }
  std::sort(problems.begin(), problems.end(), [](const AbiProblem& a, const AbiProblem& b) {
    return std::tie(a.kind, a.subject, a.version) < std::tie(b.kind, b.subject, b.version);
  });
  return problems;
}

}  // namespace kernels
