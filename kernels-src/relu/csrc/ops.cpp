// relu's Torch glue: the op `relu(Tensor x) -> Tensor` under this build's namespace, its CPU,
// CUDA and Meta kernels, and the C++ layer table (layer "ReLU").

#include <ATen/ops/empty_like.h>

#include "relu_kernels.hpp"
#include "torch_glue.hpp"

namespace kernels_samples {
namespace {

constexpr std::string_view kOp = "relu";

// Non-contiguous inputs are copied once into a contiguous tensor; the result is contiguous.
at::Tensor relu(const at::Tensor& x) {
  check_device(x, kOp);
  const DType dtype = dtype_of(x, kOp);
  const at::Tensor input = x.contiguous();
  at::Tensor out = at::empty_like(input, at::MemoryFormat::Contiguous);
  const std::int64_t n = input.numel();
  if (n == 0) return out;
#ifdef KERNELS_WITH_CUDA
  if (input.is_cuda()) {
    const c10::cuda::CUDAGuard guard(input.device());
    check_launch(
        relu_cuda(dtype, input.const_data_ptr(), out.mutable_data_ptr(), n, current_stream(input)),
        kOp);
    return out;
  }
#endif
  const void* in_data = input.const_data_ptr();
  void* out_data = out.mutable_data_ptr();
  parallel_rows(n, 1, [&](std::int64_t begin, std::int64_t end) {
    relu_cpu(dtype, in_data, out_data, begin, end);
  });
  return out;
}

at::Tensor relu_meta(const at::Tensor& x) {
  return at::empty_like(x, at::MemoryFormat::Contiguous);
}

const kernels_layer kLayers[] = {
    {"ReLU", "(Tensor x) -> Tensor", kInferenceLayerFlags, kDevices,
     reinterpret_cast<void*>(&relu)},
};

constexpr kernels_layer_table kTable = layer_table(kLayers);

}  // namespace
}  // namespace kernels_samples

KERNELS_TORCH_LIBRARY(KERNELS_OPS_NAMESPACE, m) {
  m.def("relu(Tensor x) -> Tensor");
}

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CPU, m) {
  m.impl("relu", &kernels_samples::relu);
}

#ifdef KERNELS_WITH_CUDA
KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CUDA, m) {
  m.impl("relu", &kernels_samples::relu);
}
#endif

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, Meta, m) {
  m.impl("relu", &kernels_samples::relu_meta);
}

KERNELS_EXPORT_LAYER_TABLE const kernels_layer_table* kernels_layer_table_v1(void) {
  return &kernels_samples::kTable;
}
