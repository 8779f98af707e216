#pragma once

// kernelize for libtorch: walks a module tree and, for every module that opted in
// (kernel_layer.hpp), points its forward at the layer the mapping names for the model's device
// and the mode, loaded through the Loader from kernels.lock and the cache. It follows the
// reference's kernelize (kernels-spec.md section 10.5):
//
//   * the device is KernelizeOptions::device, else the type of the model's first parameter (a
//     model without parameters needs the option); for cuda and rocm the GPU's capability picks
//     among capability ranges (the smallest range holding it wins);
//   * a layer without a usable repository (no mapping, no entry for the device or capability, no
//     mode) keeps its own forward with a warning, or fails when use_fallback is false; a layer the
//     mapping disables keeps its own forward silently;
//   * a repository registered for training whose layer has no backward is an error; a layer
//     whose flags do not support the mode (training without backward, torch_compile without
//     Meta kernels) or the device falls back (or fails without fallback);
//   * the layer's forward signature must equal the module's, byte for byte;
//   * failing to load a kernel (not locked, not downloaded, an integrity failure) is an error,
//     whatever use_fallback says: the cache must be repaired, not silently bypassed;
//   * USE_HUB_KERNELS=0 (Loader::enabled() false): every module gets its own forward back.
//
// Only the forward of each instance changes; the module tree and its parameters stay the same.
// Kernelizing again decides afresh from the modules' own forwards; reset_kernelize undoes it.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "kernels/error.hpp"
#include "kernels/loader/loader.hpp"
#include "kernels/torch/kernel_layer.hpp"
#include "kernels/torch/mapping.hpp"

namespace kernels::torch {

struct KernelizeOptions {
  Mode mode = Mode::inference;
  // "cpu", "cuda", ...; default: the model's first parameter's device type ("cuda" read as
  // "rocm" when the loader's system is a ROCm one).
  std::optional<std::string> device;
  // cuda/rocm capability as major*10+minor; default: asked from the CUDA runtime for the
  // current device.
  std::optional<int> capability;
  bool use_fallback = true;
  // Warnings (a layer that falls back); default: none are printed.
  std::function<void(const std::string&)> warn;
};

// What kernelize decided for one opted-in module.
struct LayerDecision {
  std::string module_path;  // "layers.0.norm" ("" for the root)
  std::string layer_name;   // "RMSNorm"
  bool kernelized = false;
  std::string repository;  // "org/repo:Layer" when kernelized
  std::string variant;     // the build variant loaded
  std::string reason;      // why the module kept its own forward
};

struct KernelizeReport {
  std::string device;
  std::vector<LayerDecision> layers;
  [[nodiscard]] std::size_t kernelized_count() const;
};

[[nodiscard]] Result<KernelizeReport> kernelize(::torch::nn::Module& model,
                                                const KernelMapping& mapping, Loader& loader,
                                                const KernelizeOptions& options = {});

// Every opted-in module of the tree gets its own forward back.
void reset_kernelize(::torch::nn::Module& model);

}  // namespace kernels::torch
