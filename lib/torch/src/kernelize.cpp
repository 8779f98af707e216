#include "kernels/torch/kernelize.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include <c10/core/DeviceType.h>

#include "kernels/layer_table.h"
#include "kernels/torch/kernel_layer.hpp"

#include "cuda_capability.hpp"

namespace kernels::torch {
namespace {

std::uint32_t device_bit(std::string_view device) {
  if (device == "cpu") return KERNELS_DEVICE_CPU;
  if (device == "cuda") return KERNELS_DEVICE_CUDA;
  if (device == "rocm") return KERNELS_DEVICE_ROCM;
  if (device == "xpu") return KERNELS_DEVICE_XPU;
  if (device == "mps") return KERNELS_DEVICE_MPS;
  return 0;
}

// The first parameter in parameters() order, without collecting all of them (a 10,000-module
// model has as many).
std::optional<at::Tensor> first_parameter(::torch::nn::Module& module) {
  if (auto own = module.parameters(/*recurse=*/false); !own.empty()) return own.front();
  for (const auto& child : module.children()) {
    if (auto found = first_parameter(*child)) return found;
  }
  return std::nullopt;
}

Result<std::string> model_device(::torch::nn::Module& model, const Loader& loader,
                                 const KernelizeOptions& options) {
  if (options.device) {
    if (!is_known_device_type(*options.device)) {
      return fail(ErrorCode::usage,
                  "Unsupported device type '" + *options.device +
                      "'. Supported device types are: cpu, cuda, mps, neuron, npu, rocm, tpu, xpu");
    }
    return *options.device;
  }
  const auto parameter = first_parameter(model);
  if (!parameter) {
    return fail(ErrorCode::usage,
                "Cannot determine model device, provide as `device` argument to `kernelize`.");
  }
  std::string device = c10::DeviceTypeName(parameter->device().type(), true);
  // A ROCm build of Torch calls its GPUs cuda devices.
  if (device == "cuda" && loader.system().backend.kind == BackendKind::rocm) device = "rocm";
  return device;
}

std::string no_repository_reason(const LayerLookup& lookup, const std::string& layer,
                                 const std::string& device, Mode mode) {
  switch (lookup.outcome) {
    case LayerLookup::Outcome::no_layer:
      return "No kernel mapping found for layer `" + layer +
             "`. Check if the layer name matches one of the kernels in the mapping or add the "
             "kernel you want to use to the mapping. Defaulting to original forward "
             "implementation.";
    case LayerLookup::Outcome::no_device:
      return "No layer mapping for `" + layer + "` with device type `" + device + "`";
    case LayerLookup::Outcome::no_capability:
      return "No layer mapping for `" + layer + "` device `" + device +
             "` with the right properties";
    case LayerLookup::Outcome::no_mode:
      return "No repository for `" + layer + "` for configuration mode=" + to_string(mode);
    case LayerLookup::Outcome::found:
    case LayerLookup::Outcome::disabled:
      break;
  }
  return {};
}

// Why a loaded layer cannot serve this module in this mode on this device, or "".
std::string unsupported_reason(const kernels::KernelLayer& layer, Mode mode,
                               const std::string& device) {
  if (has_mode(mode, Mode::torch_compile) && !layer.has(KERNELS_LAYER_SUPPORTS_TORCH_COMPILE)) {
    return "Available kernel does not support mode: " + to_string(mode);
  }
  if (has_mode(mode, Mode::training) &&
      !(layer.has(KERNELS_LAYER_HAS_BACKWARD) && layer.has(KERNELS_LAYER_SUPPORTS_TRAINING))) {
    return "Available kernel does not support mode: " + to_string(mode);
  }
  if (has_mode(mode, Mode::inference) && !layer.has(KERNELS_LAYER_SUPPORTS_INFERENCE)) {
    return "Available kernel does not support mode: " + to_string(mode);
  }
  if ((layer.devices & device_bit(device)) == 0) {
    return "Available kernel does not support device " + device;
  }
  return {};
}

// Loads each (repo, layer) once per kernelize call, and validates it once.
class LayerCache {
 public:
  explicit LayerCache(Loader& loader) : loader_(loader) {}

  struct Loaded {
    kernels::KernelLayer layer;
    std::string variant;
  };

  Result<const Loaded*> get(const LayerRepository& repository, const std::string& signature,
                            Mode registered_mode, const std::string& module_layer) {
    const std::string key = repository.describe() + "\n" + signature;
    if (const auto found = loaded_.find(key); found != loaded_.end()) return &found->second;
    auto kernel = loader_.load(repository.repo_id);
    if (!kernel) return tl::unexpected(kernel.error());
    auto layer = (*kernel)->layer(repository.layer_name, signature);
    if (!layer) return tl::unexpected(layer.error());
    // A repository registered for training must be able to train (section 10.5).
    if (has_mode(registered_mode, Mode::training) && !layer->has(KERNELS_LAYER_HAS_BACKWARD)) {
      return fail(ErrorCode::invalid_input,
                  "Function/layer from repo `" + repository.repo_id + "`, layer `" +
                      repository.layer_name + "` does not support backward.\nWas registered for `" +
                      module_layer + "` with mode `" + to_string(registered_mode) + "`");
    }
    if (has_mode(registered_mode, Mode::torch_compile) &&
        !layer->has(KERNELS_LAYER_SUPPORTS_TORCH_COMPILE)) {
      return fail(ErrorCode::invalid_input,
                  "Function/layer from repo `" + repository.repo_id + "`, layer `" +
                      repository.layer_name + "` does not support torch.compile.\nWas registered " +
                      "for `" + module_layer + "` with mode `" + to_string(registered_mode) + "`");
    }
    auto [entry, inserted] = loaded_.emplace(key, Loaded{std::move(*layer), (*kernel)->variant()});
    return &entry->second;
  }

 private:
  Loader& loader_;
  std::map<std::string, Loaded> loaded_;
};

}  // namespace

std::size_t KernelizeReport::kernelized_count() const {
  std::size_t count = 0;
  for (const LayerDecision& decision : layers)
    count += decision.kernelized ? 1 : 0;
  return count;
}

Result<KernelizeReport> kernelize(::torch::nn::Module& model, const KernelMapping& mapping,
                                  Loader& loader, const KernelizeOptions& options) {
  if (auto valid = validate_kernelize_mode(options.mode); !valid) {
    return tl::unexpected(valid.error());
  }
  KernelizeReport report;
  auto device = model_device(model, loader, options);
  if (!device) return tl::unexpected(device.error());
  report.device = *device;
  std::optional<int> capability = options.capability;
  if (!capability && (*device == "cuda" || *device == "rocm")) {
    capability = detail::current_cuda_capability();
  }

  // Decide every module first, then swap: a failure leaves the model as it was.
  struct Swap {
    LayerSlot* slot;
    void* forward;  // nullptr: the module's own forward
  };
  std::vector<Swap> swaps;
  LayerCache cache(loader);
  // One decision per (layer name, signature): a model repeats the same few layers many times,
  // and kernelize of a 10,000-module model must stay in milliseconds.
  struct Decision {
    void* forward = nullptr;  // nullptr: the module's own forward
    std::string repository;
    std::string variant;
    std::string reason;
    bool warn = false;
  };
  const auto decide = [&](const LayerSlot& slot) -> Result<Decision> {
    if (!loader.enabled())
      return Decision{nullptr, {}, {}, "kernels are turned off by USE_HUB_KERNELS", false};
    const LayerLookup lookup = mapping.lookup(slot.layer_name(), *device, capability, options.mode);
    if (lookup.outcome == LayerLookup::Outcome::disabled) {
      return Decision{nullptr, {}, {}, "disabled in the kernel mapping", false};
    }
    if (lookup.outcome != LayerLookup::Outcome::found) {
      return Decision{nullptr,
                      {},
                      {},
                      no_repository_reason(lookup, slot.layer_name(), *device, options.mode),
                      true};
    }
    auto loaded =
        cache.get(lookup.repository, slot.forward_signature(), lookup.mode, slot.layer_name());
    if (!loaded) return tl::unexpected(loaded.error());
    if (std::string reason = unsupported_reason((*loaded)->layer, options.mode, *device);
        !reason.empty()) {
      return Decision{nullptr, {}, {}, std::move(reason), true};
    }
    return Decision{
        (*loaded)->layer.forward, lookup.repository.describe(), (*loaded)->variant, {}, false};
  };
  // Few distinct (layer, signature) pairs, looked up once per module: a short vector of views
  // into the modules' own strings (they outlive this call), the last hit checked first.
  struct KnownDecision {
    std::string_view layer_name;
    std::string_view signature;
    Decision decision;
  };
  std::vector<KnownDecision> decisions;
  std::size_t last = 0;  // index of the last hit; decisions is empty at first
  std::optional<Error> failure;
  // Module::apply walks the tree with the qualified names, without building named_modules()'s
  // ordered dictionary of every module (a third of the time on a 10,000-module model).
  model.apply([&](const std::string& path, ::torch::nn::Module& module) {
    if (failure) return;
    auto* slot = dynamic_cast<LayerSlot*>(&module);
    if (slot == nullptr) return;
    const std::string_view layer_name = slot->layer_name();
    const std::string_view signature = slot->forward_signature();
    const auto same = [&](const KnownDecision& known) {
      return known.layer_name == layer_name && known.signature == signature;
    };
    if (decisions.empty() || !same(decisions[last])) {
      const auto found = std::find_if(decisions.begin(), decisions.end(), same);
      if (found != decisions.end()) {
        last = static_cast<std::size_t>(found - decisions.begin());
      } else {
        auto decision = decide(*slot);
        if (!decision) {
          failure = std::move(decision.error());
          return;
        }
        if (decision->warn) {
          // Said once per layer, for the first module that has it.
          if (!options.use_fallback) {
            failure = Error{ErrorCode::not_found, path + ": " + decision->reason, {}};
            return;
          }
          if (options.warn) options.warn(path + ": " + decision->reason);
        }
        decisions.push_back({layer_name, signature, std::move(*decision)});
        last = decisions.size() - 1;
      }
    }
    const Decision& decision = decisions[last].decision;
    swaps.push_back({slot, decision.forward});
    report.layers.push_back(LayerDecision{path, slot->layer_name(), decision.forward != nullptr,
                                          decision.repository, decision.variant, decision.reason});
  });
  if (failure) return tl::unexpected(std::move(*failure));
  for (const Swap& swap : swaps) {
    if (swap.forward == nullptr) {
      swap.slot->reset_forward();
    } else {
      swap.slot->set_kernel_forward(swap.forward);
    }
  }
  return report;
}

void reset_kernelize(::torch::nn::Module& model) {
  for (const auto& module : model.modules()) {
    if (auto* slot = dynamic_cast<LayerSlot*>(module.get())) slot->reset_forward();
  }
}

}  // namespace kernels::torch
