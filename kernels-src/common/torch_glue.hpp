#pragma once

// What every sample kernel's Torch translation unit (csrc/ops.cpp, the only one that includes
// Torch) shares: the checks that turn a bad input into a clear c10::Error, the mapping from a
// tensor's dtype to the Torch-free loops, row parallelism on the CPU, the CUDA stream, and the
// macros that register the ops under the build's namespace (metadata.json `id`).
//
// Built with KERNELS_OPS_NAMESPACE (e.g. _relu_cpu_1a2b3c4), KERNELS_KERNEL_NAME ("relu"),
// KERNELS_TORCH_VERSION ("2.11.0") and, for the CUDA variant, KERNELS_WITH_CUDA.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/ScalarType.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#ifdef KERNELS_WITH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include "kernels/layer_table.h"

#include "scalar.hpp"

#define KERNELS_STRINGIFY_IMPL(x) #x
#define KERNELS_STRINGIFY(x) KERNELS_STRINGIFY_IMPL(x)
// One level of indirection so that the namespace macro is expanded before TORCH_LIBRARY pastes it.
#define KERNELS_TORCH_LIBRARY(ns, m) TORCH_LIBRARY(ns, m)
#define KERNELS_TORCH_LIBRARY_IMPL(ns, key, m) TORCH_LIBRARY_IMPL(ns, key, m)

// The exported layer table function (lib/include/kernels/layer_table.h).
#define KERNELS_EXPORT_LAYER_TABLE extern "C" __attribute__((visibility("default")))

namespace kernels_samples {

inline constexpr const char* kOpsNamespace = KERNELS_STRINGIFY(KERNELS_OPS_NAMESPACE);

#ifdef KERNELS_WITH_CUDA
inline constexpr std::uint32_t kDevices = KERNELS_DEVICE_CPU | KERNELS_DEVICE_CUDA;
#else
inline constexpr std::uint32_t kDevices = KERNELS_DEVICE_CPU;
#endif

// A forward-only layer (no autograd formula; relu): inference, and tracing through Meta kernels.
inline constexpr std::uint32_t kInferenceLayerFlags =
    KERNELS_LAYER_SUPPORTS_INFERENCE | KERNELS_LAYER_SUPPORTS_TORCH_COMPILE;

// A layer whose op has an Autograd kernel and a backward op (with its own Meta kernel): its forward
// pointer goes through the dispatcher, so it records a graph when an input requires grad.
inline constexpr std::uint32_t kTrainingLayerFlags =
    kInferenceLayerFlags | KERNELS_LAYER_HAS_BACKWARD | KERNELS_LAYER_SUPPORTS_TRAINING;

// The layer table a kernel exports: its layers, with the identity of this build (name, ops
// namespace, Torch version and C++ ABI) that the loader checks before it calls any of them.
template <std::size_t kCount>
constexpr kernels_layer_table layer_table(const kernels_layer (&layers)[kCount]) {
  return {
      KERNELS_LAYER_TABLE_VERSION,
      sizeof(kernels_layer),
      KERNELS_KERNEL_NAME,
      kOpsNamespace,
      KERNELS_TORCH_VERSION,
      KERNELS_CXX11_ABI,
      kCount,
      layers,
  };
}

inline DType dtype_of(const at::Tensor& tensor, std::string_view op) {
  switch (tensor.scalar_type()) {
    case at::ScalarType::Float:
      return DType::float32;
    case at::ScalarType::Half:
      return DType::float16;
    case at::ScalarType::BFloat16:
      return DType::bfloat16;
    default:
      TORCH_CHECK(false, op, ": dtype ", tensor.scalar_type(),
                  " is not supported; use float32, float16 or bfloat16");
  }
}

inline void check_device(const at::Tensor& tensor, std::string_view op) {
#ifdef KERNELS_WITH_CUDA
  TORCH_CHECK(tensor.is_cpu() || tensor.is_cuda(), op, ": tensors on ", tensor.device(),
              " are not supported by this build; use a CPU or CUDA tensor");
#else
  TORCH_CHECK(
      tensor.is_cpu(), op, ": tensors on ", tensor.device(),
      " are not supported by this CPU build; use a CPU tensor or a CUDA build of the kernel");
#endif
}

// Rows handed to one CPU task: enough work to pay for the task (about 64 KiB of elements).
inline std::int64_t cpu_grain_rows(std::int64_t row_elements) {
  constexpr std::int64_t kGrainElements = 16 * 1024;
  return row_elements >= kGrainElements ? 1
                                        : kGrainElements / (row_elements > 0 ? row_elements : 1);
}

template <typename Fn>
void parallel_rows(std::int64_t rows, std::int64_t row_elements, const Fn& fn) {
  at::parallel_for(0, rows, cpu_grain_rows(row_elements), fn);
}

// This build's op `name` ("rms_norm") as the dispatcher knows it: calling it runs every dispatch
// key in turn (Autograd first), as torch.ops.<namespace>.<name> from Python does.
template <typename Signature>
c10::TypedOperatorHandle<Signature> find_op(std::string_view name) {
  const std::string qualified = std::string(kOpsNamespace) + "::" + std::string(name);
  return c10::Dispatcher::singleton().findSchemaOrThrow(qualified.c_str(), "").typed<Signature>();
}

#ifdef KERNELS_WITH_CUDA
inline void* current_stream(const at::Tensor& tensor) {
  return c10::cuda::getCurrentCUDAStream(tensor.device().index()).stream();
}

inline void check_launch(const char* error, std::string_view op) {
  TORCH_CHECK(error == nullptr, op, ": CUDA kernel launch failed: ", error);
}
#endif

}  // namespace kernels_samples
