// activation's Torch glue: `silu_and_mul(Tensor x) -> Tensor` and `gelu_and_mul(Tensor x) ->
// Tensor` under this build's namespace, their CPU, CUDA and Meta kernels, and the C++ layer table
// (layers "SiluAndMul" and "GeluAndMul").

#include <vector>

#include <ATen/ops/empty.h>

#include "activation_kernels.hpp"
#include "torch_glue.hpp"

namespace kernels_samples {
namespace {

// The output shape: x's with the last dimension halved. Refuses what has no such halving.
std::vector<std::int64_t> halved_shape(const at::Tensor& x, std::string_view op) {
  TORCH_CHECK(x.dim() >= 1, op, ": expected a tensor with at least one dimension, got a scalar");
  const std::int64_t last = x.size(-1);
  TORCH_CHECK(last % 2 == 0, op, ": the last dimension must be even (gate and up halves), got ",
              last);
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = last / 2;
  return shape;
}

at::Tensor act_and_mul(Activation activation, std::string_view op, const at::Tensor& x) {
  check_device(x, op);
  const DType dtype = dtype_of(x, op);
  const std::vector<std::int64_t> shape = halved_shape(x, op);
  const at::Tensor input = x.contiguous();
  at::Tensor out = at::empty(shape, input.options());
  const std::int64_t d = shape.back();
  const std::int64_t rows = d == 0 ? 0 : out.numel() / d;
  if (out.numel() == 0) return out;
#ifdef KERNELS_WITH_CUDA
  if (input.is_cuda()) {
    const c10::cuda::CUDAGuard guard(input.device());
    check_launch(act_and_mul_cuda(activation, dtype, input.const_data_ptr(), out.mutable_data_ptr(),
                                  d, rows, current_stream(input)),
                 op);
    return out;
  }
#endif
  const void* in_data = input.const_data_ptr();
  void* out_data = out.mutable_data_ptr();
  parallel_rows(rows, 3 * d, [&](std::int64_t begin, std::int64_t end) {
    act_and_mul_cpu(activation, dtype, in_data, out_data, d, begin, end);
  });
  return out;
}

at::Tensor silu_and_mul(const at::Tensor& x) {
  return act_and_mul(Activation::silu, "silu_and_mul", x);
}

at::Tensor gelu_and_mul(const at::Tensor& x) {
  return act_and_mul(Activation::gelu, "gelu_and_mul", x);
}

at::Tensor act_and_mul_meta(const at::Tensor& x) {
  return at::empty(halved_shape(x, "act_and_mul"), x.options());
}

const kernels_layer kLayers[] = {
    {"SiluAndMul", "(Tensor x) -> Tensor", kInferenceLayerFlags, kDevices,
     reinterpret_cast<void*>(&silu_and_mul)},
    {"GeluAndMul", "(Tensor x) -> Tensor", kInferenceLayerFlags, kDevices,
     reinterpret_cast<void*>(&gelu_and_mul)},
};

const kernels_layer_table kTable = {
    KERNELS_LAYER_TABLE_VERSION,
    sizeof(kernels_layer),
    KERNELS_KERNEL_NAME,
    KERNELS_STRINGIFY(KERNELS_OPS_NAMESPACE),
    KERNELS_TORCH_VERSION,
    KERNELS_CXX11_ABI,
    sizeof(kLayers) / sizeof(kLayers[0]),
    kLayers,
};

}  // namespace
}  // namespace kernels_samples

KERNELS_TORCH_LIBRARY(KERNELS_OPS_NAMESPACE, m) {
  m.def("silu_and_mul(Tensor x) -> Tensor");
  m.def("gelu_and_mul(Tensor x) -> Tensor");
}

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CPU, m) {
  m.impl("silu_and_mul", &kernels_samples::silu_and_mul);
  m.impl("gelu_and_mul", &kernels_samples::gelu_and_mul);
}

#ifdef KERNELS_WITH_CUDA
KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CUDA, m) {
  m.impl("silu_and_mul", &kernels_samples::silu_and_mul);
  m.impl("gelu_and_mul", &kernels_samples::gelu_and_mul);
}
#endif

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, Meta, m) {
  m.impl("silu_and_mul", &kernels_samples::act_and_mul_meta);
  m.impl("gelu_and_mul", &kernels_samples::act_and_mul_meta);
}

KERNELS_EXPORT_LAYER_TABLE const kernels_layer_table* kernels_layer_table_v1(void) {
  return &kernels_samples::kTable;
}
