// rms-norm's Torch glue: `rms_norm(Tensor x, Tensor weight, float eps) -> Tensor` under this
// build's namespace, its CPU, CUDA and Meta kernels, and the C++ layer table (layer "RMSNorm").

#include <ATen/ops/empty_like.h>

#include "rms_norm_kernels.hpp"
#include "torch_glue.hpp"

namespace kernels_samples {
namespace {

constexpr std::string_view kOp = "rms_norm";

void check_arguments(const at::Tensor& x, const at::Tensor& weight) {
  TORCH_CHECK(x.dim() >= 1, kOp, ": expected x with at least one dimension, got a scalar");
  TORCH_CHECK(weight.dim() == 1 && weight.size(0) == x.size(-1), kOp,
              ": weight must be one-dimensional with the size of x's last dimension (", x.size(-1),
              "), got shape ", weight.sizes());
  TORCH_CHECK(weight.scalar_type() == x.scalar_type(), kOp, ": weight has dtype ",
              weight.scalar_type(), " but x has ", x.scalar_type(),
              "; convert the weight to x's dtype");
  TORCH_CHECK(weight.device() == x.device(), kOp, ": weight is on ", weight.device(),
              " but x is on ", x.device());
}

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  check_device(x, kOp);
  check_arguments(x, weight);
  const DType dtype = dtype_of(x, kOp);
  TORCH_CHECK(eps >= 0.0, kOp, ": eps must not be negative, got ", eps);
  const at::Tensor input = x.contiguous();
  const at::Tensor scale = weight.contiguous();
  at::Tensor out = at::empty_like(input, at::MemoryFormat::Contiguous);
  const std::int64_t hidden = input.size(-1);
  if (input.numel() == 0) return out;
  const std::int64_t rows = input.numel() / hidden;
  const auto epsilon = static_cast<float>(eps);
#ifdef KERNELS_WITH_CUDA
  if (input.is_cuda()) {
    const c10::cuda::CUDAGuard guard(input.device());
    check_launch(
        rms_norm_cuda(dtype, input.const_data_ptr(), scale.const_data_ptr(), out.mutable_data_ptr(),
                      hidden, epsilon, rows, current_stream(input)),
        kOp);
    return out;
  }
#endif
  const void* in_data = input.const_data_ptr();
  const void* weight_data = scale.const_data_ptr();
  void* out_data = out.mutable_data_ptr();
  parallel_rows(rows, 2 * hidden, [&](std::int64_t begin, std::int64_t end) {
    rms_norm_cpu(dtype, in_data, weight_data, out_data, hidden, epsilon, begin, end);
  });
  return out;
}

at::Tensor rms_norm_meta(const at::Tensor& x, const at::Tensor& weight, double /*eps*/) {
  check_arguments(x, weight);
  return at::empty_like(x, at::MemoryFormat::Contiguous);
}

const kernels_layer kLayers[] = {
    {"RMSNorm", "(Tensor x, Tensor weight, float eps) -> Tensor", kInferenceLayerFlags, kDevices,
     reinterpret_cast<void*>(&rms_norm)},
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
  m.def("rms_norm(Tensor x, Tensor weight, float eps) -> Tensor");
}

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CPU, m) {
  m.impl("rms_norm", &kernels_samples::rms_norm);
}

#ifdef KERNELS_WITH_CUDA
KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CUDA, m) {
  m.impl("rms_norm", &kernels_samples::rms_norm);
}
#endif

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, Meta, m) {
  m.impl("rms_norm", &kernels_samples::rms_norm_meta);
}

KERNELS_EXPORT_LAYER_TABLE const kernels_layer_table* kernels_layer_table_v1(void) {
  return &kernels_samples::kTable;
}
