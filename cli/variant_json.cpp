#include "variant_json.hpp"

namespace kernels::cli {

nlohmann::json trace_json(const VariantSelection& selection) {
  nlohmann::json trace = nlohmann::json::array();
  for (const VariantDecision& decision : selection.trace) {
    trace.push_back(
        {{"variant", decision.name},
         {"accepted", decision.accepted},
         {"reason", decision.accepted ? nlohmann::json() : nlohmann::json(decision.reason)}});
  }
  return trace;
}

nlohmann::json chosen_variant_json(const VariantSelection& selection) {
  const VariantDecision* best = selection.best();
  return best != nullptr ? nlohmann::json(best->name) : nlohmann::json();
}

nlohmann::json system_json(const SystemInfo& system) {
  return {{"os", system.os},
          {"cpu", system.cpu},
          {"torch", system.torch_version ? nlohmann::json(to_string(*system.torch_version))
                                         : nlohmann::json()},
          {"cxx11_abi",
           system.torch_cxx11_abi ? nlohmann::json(*system.torch_cxx11_abi) : nlohmann::json()},
          {"backend", to_string(system.backend)}};
}

}  // namespace kernels::cli
