#include "kernels/model/variant_selection.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

namespace kernels {
namespace {

// Metal kernels are built for Metal 4, which needs macOS 26 (reference section 5.3).
constexpr MacOsVersion kMetalMinimumMacOs{26, 0, std::nullopt};

// Python's spelling of absent values and booleans, since the reasons are the reference's f-strings.
std::string python_str(const std::optional<MajorMinor>& version) {
  return version ? to_string(*version) : "None";
}
std::string python_str(const std::optional<MacOsVersion>& version) {
  return version ? to_string(*version) : "None";
}
std::string python_str(std::optional<bool> flag) {
  if (!flag) return "None";
  return *flag ? "True" : "False";
}

std::optional<std::string> framework_rejection(const Framework& framework,
                                               const SystemInfo& system) {
  if (const auto* torch = std::get_if<TorchFramework>(&framework)) {
    if (!system.torch_version || torch->version != *system.torch_version) {
      return "Torch version (" + to_string(torch->version) +
             ") does not match environment Torch version (" + python_str(system.torch_version) +
             ")";
    }
    // An untagged build accepts either ABI.
    if (torch->cxx11_abi && torch->cxx11_abi != system.torch_cxx11_abi) {
      return "Torch CXX11 ABI (" + python_str(torch->cxx11_abi) +
             ") does not match environment Torch CXX11 ABI (" + python_str(system.torch_cxx11_abi) +
             ")";
    }
    return std::nullopt;
  }
  if (const auto* stable = std::get_if<TorchStableAbiFramework>(&framework)) {
    // The stable ABI is forward compatible: an older ABI loads in a newer Torch.
    if (!system.torch_version || stable->version > *system.torch_version) {
      return "Torch stable ABI version (" + to_string(stable->version) +
             ") is too new for environment Torch version (" + python_str(system.torch_version) +
             ")";
    }
    return std::nullopt;
  }
  const auto& tvm = std::get<TvmFfiFramework>(framework);
  if (!system.tvm_ffi_version || tvm.version != *system.tvm_ffi_version) {
    return "tvm-ffi version (" + to_string(tvm.version) +
           ") does not match environment tvm-ffi version (" + python_str(system.tvm_ffi_version) +
           ")";
  }
  return std::nullopt;
}

std::optional<std::string> backend_rejection(const Backend& backend, const SystemInfo& system) {
  const Backend& selected = system.backend;
  if (backend.kind == BackendKind::cuda && selected.kind == BackendKind::cuda) {
    // CUDA keeps binary compatibility within a major version: a build for 12.6 runs on 12.8.
    const bool compatible = backend.version && selected.version &&
                            backend.version->major == selected.version->major &&
                            backend.version->minor <= selected.version->minor;
    if (!compatible) {
      return "CUDA version (" + python_str(backend.version) +
             ") is not compatible with system CUDA version (" + python_str(selected.version) + ")";
    }
    return std::nullopt;
  }
  if (to_string(backend) != to_string(selected)) {
    return "backend (" + to_string(backend) + ") does not match selected backend (" +
           to_string(selected) + ")";
  }
  if (backend.kind == BackendKind::metal &&
      (!system.macos_version || *system.macos_version < kMetalMinimumMacOs)) {
    return "Metal kernels require macOS " + to_string(kMetalMinimumMacOs) +
           " or later, system macOS version is " + python_str(system.macos_version);
  }
  return std::nullopt;
}

std::optional<std::string> arch_rejection(const ArchVariant& variant, const SystemInfo& system) {
  if (variant.arch.cpu != system.cpu) {
    return "CPU (" + variant.arch.cpu + ") does not match system CPU (" + system.cpu + ")";
  }
  if (variant.arch.os != system.os) {
    return "OS (" + variant.arch.os + ") does not match system OS (" + system.os + ")";
  }
  if (auto reason = framework_rejection(variant.framework, system)) return reason;
  return backend_rejection(variant.arch.backend, system);
}

std::optional<std::string> noarch_rejection(const NoarchVariant& variant,
                                            const SystemInfo& system) {
  // Noarch folders name Ascend NPUs after the device ("npu"), not after the CANN toolkit.
  const std::string_view system_name = system.backend.kind == BackendKind::cann
                                           ? std::string_view("npu")
                                           : backend_name(system.backend.kind);
  if (variant.backend_name != system_name && variant.backend_name != "universal") {
    return "backend (" + variant.backend_name + ") does not match system backend (" +
           std::string(system_name) + ") and is not universal";
  }
  return std::nullopt;
}

using PreferenceKey = std::array<std::int64_t, 5>;

// The reference's sort key (see the header), extended with framework 3 for unparsed names.
PreferenceKey preference_key(const VariantDecision& decision) {
  const std::int64_t decision_order = decision.accepted ? 0 : 1;
  if (!decision.variant) return {decision_order, 3, 0, 0, 0};
  if (const auto* noarch = std::get_if<NoarchVariant>(&*decision.variant)) {
    return {decision_order, 2, 0, 0, noarch->backend_name == "universal" ? 1 : 0};
  }
  const auto& arch_variant = std::get<ArchVariant>(*decision.variant);
  const Backend& backend = arch_variant.arch.backend;
  const std::int64_t backend_order =
      is_versioned(backend.kind) && backend.version ? -std::int64_t{backend.version->minor} : 0;
  if (const auto* stable = std::get_if<TorchStableAbiFramework>(&arch_variant.framework)) {
    return {decision_order, 0, -std::int64_t{stable->version.major},
            -std::int64_t{stable->version.minor}, backend_order};
  }
  if (const auto* torch = std::get_if<TorchFramework>(&arch_variant.framework)) {
    return {decision_order, 1, 0, torch->cxx11_abi ? 1 : 0, backend_order};
  }
  return {decision_order, 2, 0, 0, backend_order};
}

VariantDecision decide(std::string name, Variant variant, const SystemInfo& system) {
  std::optional<std::string> reason = rejection_reason(variant, system);
  VariantDecision decision;
  decision.name = std::move(name);
  decision.variant = std::move(variant);
  decision.accepted = !reason.has_value();
  decision.reason = std::move(reason).value_or(std::string());
  return decision;
}

VariantSelection sorted_selection(std::vector<VariantDecision> decisions) {
  std::vector<std::pair<PreferenceKey, VariantDecision>> keyed;
  keyed.reserve(decisions.size());
  for (auto& decision : decisions) {
    PreferenceKey key = preference_key(decision);
    keyed.emplace_back(key, std::move(decision));
  }
  // std::string compares like memcmp, i.e. by unsigned bytes.
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& left, const auto& right) {
    return std::tie(left.first, left.second.name) < std::tie(right.first, right.second.name);
  });
  VariantSelection selection;
  selection.trace.reserve(keyed.size());
  for (auto& entry : keyed)
    selection.trace.push_back(std::move(entry.second));
  return selection;
}

}  // namespace

std::optional<std::string> rejection_reason(const Variant& variant, const SystemInfo& system) {
  if (const auto* arch_variant = std::get_if<ArchVariant>(&variant)) {
    return arch_rejection(*arch_variant, system);
  }
  return noarch_rejection(std::get<NoarchVariant>(variant), system);
}

VariantSelection select_variant(std::span<const std::string> names, const SystemInfo& system) {
  std::vector<VariantDecision> decisions;
  decisions.reserve(names.size());
  for (const std::string& name : names) {
    auto variant = parse_variant(name);
    if (variant) {
      decisions.push_back(decide(name, std::move(*variant), system));
      continue;
    }
    VariantDecision rejected;
    rejected.name = name;
    rejected.reason = variant.error().message;
    decisions.push_back(std::move(rejected));
  }
  return sorted_selection(std::move(decisions));
}

VariantSelection select_variant(std::span<const Variant> variants, const SystemInfo& system) {
  std::vector<VariantDecision> decisions;
  decisions.reserve(variants.size());
  for (const Variant& variant : variants) {
    decisions.push_back(decide(to_string(variant), variant, system));
  }
  return sorted_selection(std::move(decisions));
}

}  // namespace kernels
