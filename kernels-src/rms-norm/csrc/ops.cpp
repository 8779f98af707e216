// rms-norm's Torch glue: `rms_norm(Tensor x, Tensor weight, float eps) -> Tensor` and
// `rms_norm_backward(Tensor grad, Tensor x, Tensor weight, float eps) -> (Tensor, Tensor)` under
// this build's namespace, their CPU, CUDA and Meta kernels, the Autograd kernel of rms_norm that
// ties the two together, and the C++ layer table (layers "RMSNorm" and the fused "RMSNormMLP").

#include <optional>
#include <tuple>

#include <ATen/core/LegacyTypeDispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/mul.h>
#include <ATen/ops/silu.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <torch/csrc/autograd/custom_function.h>

#include "rms_norm_kernels.hpp"
#include "torch_glue.hpp"

namespace kernels_samples {
namespace {

constexpr std::string_view kOp = "rms_norm";
constexpr std::string_view kBackwardOp = "rms_norm_backward";

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

void check_backward_arguments(const at::Tensor& grad, const at::Tensor& x,
                              const at::Tensor& weight) {
  check_arguments(x, weight);
  TORCH_CHECK(grad.sizes() == x.sizes(), kBackwardOp, ": grad has shape ", grad.sizes(),
              " but x has ", x.sizes(), "; grad must be the gradient of rms_norm's output");
  TORCH_CHECK(grad.scalar_type() == x.scalar_type(), kBackwardOp, ": grad has dtype ",
              grad.scalar_type(), " but x has ", x.scalar_type());
  TORCH_CHECK(grad.device() == x.device(), kBackwardOp, ": grad is on ", grad.device(),
              " but x is on ", x.device());
}

// grad_weight is summed over rows in float32: each block of rows (weight_grad_blocks) fills a float
// row of `partial` of its own, and one at::sum adds those few rows. That keeps the CPU loops free
// of atomics and locks, makes each block's float sums independent of the number of threads, and
// costs a [blocks, hidden] float buffer (at most 64 rows), not a float copy of grad * x.
std::tuple<at::Tensor, at::Tensor> rms_norm_backward(const at::Tensor& grad, const at::Tensor& x,
                                                     const at::Tensor& weight, double eps) {
  check_device(x, kBackwardOp);
  check_backward_arguments(grad, x, weight);
  const DType dtype = dtype_of(x, kBackwardOp);
  TORCH_CHECK(eps >= 0.0, kBackwardOp, ": eps must not be negative, got ", eps);
  const at::Tensor g = grad.contiguous();
  const at::Tensor input = x.contiguous();
  const at::Tensor scale = weight.contiguous();
  at::Tensor grad_x = at::empty_like(input, at::MemoryFormat::Contiguous);
  const std::int64_t hidden = input.size(-1);
  if (input.numel() == 0) return {grad_x, at::zeros_like(scale, at::MemoryFormat::Contiguous)};
  const std::int64_t rows = input.numel() / hidden;
  const std::int64_t blocks = weight_grad_blocks(rows);
  const at::TensorOptions float_options = input.options().dtype(at::kFloat);
  const auto epsilon = static_cast<float>(eps);
#ifdef KERNELS_WITH_CUDA
  if (input.is_cuda()) {
    const c10::cuda::CUDAGuard guard(input.device());
    at::Tensor partial = at::empty({blocks, hidden}, float_options);
    at::Tensor row_scale = at::empty({rows}, float_options);
    check_launch(rms_norm_backward_cuda(dtype, g.const_data_ptr(), input.const_data_ptr(),
                                        scale.const_data_ptr(), grad_x.mutable_data_ptr(),
                                        partial.mutable_data_ptr<float>(),
                                        row_scale.mutable_data_ptr<float>(), hidden, epsilon, rows,
                                        current_stream(input)),
                 kBackwardOp);
    return {grad_x, partial.sum(0).to(weight.scalar_type())};
  }
#endif
  at::Tensor partial = at::zeros({blocks, hidden}, float_options);
  const void* grad_data = g.const_data_ptr();
  const void* in_data = input.const_data_ptr();
  const void* weight_data = scale.const_data_ptr();
  void* grad_x_data = grad_x.mutable_data_ptr();
  float* partial_data = partial.mutable_data_ptr<float>();
  at::parallel_for(0, blocks, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t block = begin; block < end; ++block) {
      std::int64_t row_begin = 0;
      std::int64_t row_end = 0;
      weight_grad_block_rows(rows, blocks, block, &row_begin, &row_end);
      rms_norm_backward_cpu(dtype, grad_data, in_data, weight_data, grad_x_data,
                            partial_data + block * hidden, hidden, epsilon, row_begin, row_end);
    }
  });
  return {grad_x, partial.sum(0).to(weight.scalar_type())};
}

std::tuple<at::Tensor, at::Tensor> rms_norm_backward_meta(const at::Tensor& grad,
                                                          const at::Tensor& x,
                                                          const at::Tensor& weight,
                                                          double /*eps*/) {
  check_backward_arguments(grad, x, weight);
  return {at::empty_like(x, at::MemoryFormat::Contiguous),
          at::empty_like(weight, at::MemoryFormat::Contiguous)};
}

using RmsNormSignature = at::Tensor(const at::Tensor&, const at::Tensor&, double);
using RmsNormBackwardSignature = std::tuple<at::Tensor, at::Tensor>(const at::Tensor&,
                                                                    const at::Tensor&,
                                                                    const at::Tensor&, double);

const c10::TypedOperatorHandle<RmsNormSignature>& rms_norm_op() {
  static const auto op = find_op<RmsNormSignature>(kOp);
  return op;
}

const c10::TypedOperatorHandle<RmsNormBackwardSignature>& rms_norm_backward_op() {
  static const auto op = find_op<RmsNormBackwardSignature>(kBackwardOp);
  return op;
}

// The forward runs the op's kernels below the Autograd key (CPU, CUDA or Meta, whatever the
// tensors dispatch to) and saves the inputs; the backward calls the backward op through the
// dispatcher. No double backward: rms_norm_backward has no Autograd kernel of its own.
class RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                            const at::Tensor& weight, double eps) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["eps"] = eps;
    const at::AutoDispatchBelowADInplaceOrView below_autograd;
    return rms_norm_op().call(x, weight, eps);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::autograd::variable_list saved = ctx->get_saved_variables();
    const double eps = ctx->saved_data["eps"].toDouble();
    auto [grad_x, grad_weight] = rms_norm_backward_op().call(grads[0], saved[0], saved[1], eps);
    return {grad_x, grad_weight, at::Tensor()};
  }
};

at::Tensor rms_norm_autograd(const at::Tensor& x, const at::Tensor& weight, double eps) {
  return RmsNormFunction::apply(x, weight, eps);
}

// The layer's forward: the op through the dispatcher, so a C++ program gets the Autograd kernel
// (a graph when an input requires grad) exactly as torch.ops.<namespace>.rms_norm does.
at::Tensor rms_norm_layer(const at::Tensor& x, const at::Tensor& weight, double eps) {
  return rms_norm_op().call(x, weight, eps);
}

std::optional<at::Tensor> optional_bias(const at::Tensor& bias) {
  return bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt;
}

// The fused layer of a transformer block's RMSNorm and the MLP after it (seeds/002, "Module
// fusion"): down(silu(gate) * up) with [gate, up] = gate_up(rms_norm(x)). The parent module that
// owns both opts in and passes the children's parameters in this layout: gate and up projections
// merged into one [2 * intermediate, hidden] weight (one GEMM instead of two), an undefined tensor
// for a missing bias. Every step is an op with an Autograd kernel, so the layer trains.
at::Tensor rms_norm_mlp_layer(const at::Tensor& x, const at::Tensor& weight, double eps,
                              const at::Tensor& gate_up_weight, const at::Tensor& gate_up_bias,
                              const at::Tensor& down_weight, const at::Tensor& down_bias) {
  TORCH_CHECK(gate_up_weight.dim() == 2 && gate_up_weight.size(0) % 2 == 0,
              "RMSNormMLP: gate_up_weight must be [2 * intermediate, hidden] (the gate and up "
              "projections' weights stacked), got shape ",
              gate_up_weight.sizes());
  const at::Tensor gate_up =
      at::linear(rms_norm_op().call(x, weight, eps), gate_up_weight, optional_bias(gate_up_bias));
  const std::int64_t intermediate = gate_up.size(-1) / 2;
  const at::Tensor activated = at::mul(at::silu(gate_up.narrow(-1, 0, intermediate)),
                                       gate_up.narrow(-1, intermediate, intermediate));
  return at::linear(activated, down_weight, optional_bias(down_bias));
}

const kernels_layer kLayers[] = {
    {"RMSNorm", "(Tensor x, Tensor weight, float eps) -> Tensor", kTrainingLayerFlags, kDevices,
     reinterpret_cast<void*>(&rms_norm_layer)},
    {"RMSNormMLP",
     "(Tensor x, Tensor weight, float eps, Tensor gate_up_weight, Tensor gate_up_bias, "
     "Tensor down_weight, Tensor down_bias) -> Tensor",
     kTrainingLayerFlags, kDevices, reinterpret_cast<void*>(&rms_norm_mlp_layer)},
};

constexpr kernels_layer_table kTable = layer_table(kLayers);

}  // namespace
}  // namespace kernels_samples

KERNELS_TORCH_LIBRARY(KERNELS_OPS_NAMESPACE, m) {
  m.def("rms_norm(Tensor x, Tensor weight, float eps) -> Tensor");
  m.def("rms_norm_backward(Tensor grad, Tensor x, Tensor weight, float eps) -> (Tensor, Tensor)");
}

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CPU, m) {
  m.impl("rms_norm", &kernels_samples::rms_norm);
  m.impl("rms_norm_backward", &kernels_samples::rms_norm_backward);
}

#ifdef KERNELS_WITH_CUDA
KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CUDA, m) {
  m.impl("rms_norm", &kernels_samples::rms_norm);
  m.impl("rms_norm_backward", &kernels_samples::rms_norm_backward);
}
#endif

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, Meta, m) {
  m.impl("rms_norm", &kernels_samples::rms_norm_meta);
  m.impl("rms_norm_backward", &kernels_samples::rms_norm_backward_meta);
}

// One kernel for every autograd key (AutogradCPU, AutogradCUDA, AutogradMeta, ...).
KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, Autograd, m) {
  m.impl("rms_norm", &kernels_samples::rms_norm_autograd);
}

KERNELS_EXPORT_LAYER_TABLE const kernels_layer_table* kernels_layer_table_v1(void) {
  return &kernels_samples::kTable;
}
