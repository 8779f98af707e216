// activation's Torch glue: `silu_and_mul(Tensor x) -> Tensor` and `gelu_and_mul(Tensor x) ->
// Tensor` under this build's namespace, their backward ops `silu_and_mul_backward(Tensor grad,
// Tensor x) -> Tensor` and `gelu_and_mul_backward(...)`, the CPU, CUDA and Meta kernels of all
// four, the Autograd kernels of the forward ops, and the C++ layer table (layers "SiluAndMul" and
// "GeluAndMul").

#include <string>
#include <vector>

#include <ATen/core/LegacyTypeDispatch.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>
#include <torch/csrc/autograd/custom_function.h>

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

void check_backward_arguments(const at::Tensor& grad, const at::Tensor& x, std::string_view op) {
  const std::vector<std::int64_t> shape = halved_shape(x, op);
  TORCH_CHECK(grad.sizes() == at::IntArrayRef(shape), op, ": grad has shape ", grad.sizes(),
              " but the forward's output has ", at::IntArrayRef(shape),
              "; grad must be the gradient of that output");
  TORCH_CHECK(grad.scalar_type() == x.scalar_type(), op, ": grad has dtype ", grad.scalar_type(),
              " but x has ", x.scalar_type());
  TORCH_CHECK(grad.device() == x.device(), op, ": grad is on ", grad.device(), " but x is on ",
              x.device());
}

at::Tensor act_and_mul_backward(Activation activation, std::string_view op, const at::Tensor& grad,
                                const at::Tensor& x) {
  check_device(x, op);
  const DType dtype = dtype_of(x, op);
  check_backward_arguments(grad, x, op);
  const at::Tensor input = x.contiguous();
  const at::Tensor g = grad.contiguous();
  at::Tensor grad_x = at::empty_like(input, at::MemoryFormat::Contiguous);
  if (grad_x.numel() == 0) return grad_x;
  const std::int64_t d = input.size(-1) / 2;
  const std::int64_t rows = g.numel() / d;
#ifdef KERNELS_WITH_CUDA
  if (input.is_cuda()) {
    const c10::cuda::CUDAGuard guard(input.device());
    check_launch(
        act_and_mul_backward_cuda(activation, dtype, g.const_data_ptr(), input.const_data_ptr(),
                                  grad_x.mutable_data_ptr(), d, rows, current_stream(input)),
        op);
    return grad_x;
  }
#endif
  const void* grad_data = g.const_data_ptr();
  const void* in_data = input.const_data_ptr();
  void* grad_x_data = grad_x.mutable_data_ptr();
  parallel_rows(rows, 5 * d, [&](std::int64_t begin, std::int64_t end) {
    act_and_mul_backward_cpu(activation, dtype, grad_data, in_data, grad_x_data, d, begin, end);
  });
  return grad_x;
}

at::Tensor silu_and_mul_backward(const at::Tensor& grad, const at::Tensor& x) {
  return act_and_mul_backward(Activation::silu, "silu_and_mul_backward", grad, x);
}

at::Tensor gelu_and_mul_backward(const at::Tensor& grad, const at::Tensor& x) {
  return act_and_mul_backward(Activation::gelu, "gelu_and_mul_backward", grad, x);
}

at::Tensor act_and_mul_backward_meta(const at::Tensor& grad, const at::Tensor& x) {
  check_backward_arguments(grad, x, "act_and_mul_backward");
  return at::empty_like(x, at::MemoryFormat::Contiguous);
}

using ForwardSignature = at::Tensor(const at::Tensor&);
using BackwardSignature = at::Tensor(const at::Tensor&, const at::Tensor&);

constexpr std::string_view op_name(Activation activation) {
  return activation == Activation::silu ? "silu_and_mul" : "gelu_and_mul";
}

template <Activation kActivation>
const c10::TypedOperatorHandle<ForwardSignature>& forward_op() {
  static const auto op = find_op<ForwardSignature>(op_name(kActivation));
  return op;
}

template <Activation kActivation>
const c10::TypedOperatorHandle<BackwardSignature>& backward_op() {
  static const auto op =
      find_op<BackwardSignature>(std::string(op_name(kActivation)) + "_backward");
  return op;
}

// The forward runs the op's kernels below the Autograd key and saves x (the backward needs both
// halves); the backward calls the backward op through the dispatcher. No double backward.
template <Activation kActivation>
class ActAndMulFunction : public torch::autograd::Function<ActAndMulFunction<kActivation>> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x) {
    ctx->save_for_backward({x});
    const at::AutoDispatchBelowADInplaceOrView below_autograd;
    return forward_op<kActivation>().call(x);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::autograd::variable_list saved = ctx->get_saved_variables();
    return {backward_op<kActivation>().call(grads[0], saved[0])};
  }
};

at::Tensor silu_and_mul_autograd(const at::Tensor& x) {
  return ActAndMulFunction<Activation::silu>::apply(x);
}

at::Tensor gelu_and_mul_autograd(const at::Tensor& x) {
  return ActAndMulFunction<Activation::gelu>::apply(x);
}

// The layers' forwards: the ops through the dispatcher, so a C++ program gets the Autograd kernels
// (a graph when x requires grad) exactly as torch.ops.<namespace>.silu_and_mul does.
at::Tensor silu_and_mul_layer(const at::Tensor& x) {
  return forward_op<Activation::silu>().call(x);
}

at::Tensor gelu_and_mul_layer(const at::Tensor& x) {
  return forward_op<Activation::gelu>().call(x);
}

const kernels_layer kLayers[] = {
    {"SiluAndMul", "(Tensor x) -> Tensor", kTrainingLayerFlags, kDevices,
     reinterpret_cast<void*>(&silu_and_mul_layer)},
    {"GeluAndMul", "(Tensor x) -> Tensor", kTrainingLayerFlags, kDevices,
     reinterpret_cast<void*>(&gelu_and_mul_layer)},
};

constexpr kernels_layer_table kTable = layer_table(kLayers);

}  // namespace
}  // namespace kernels_samples

KERNELS_TORCH_LIBRARY(KERNELS_OPS_NAMESPACE, m) {
  m.def("silu_and_mul(Tensor x) -> Tensor");
  m.def("gelu_and_mul(Tensor x) -> Tensor");
  m.def("silu_and_mul_backward(Tensor grad, Tensor x) -> Tensor");
  m.def("gelu_and_mul_backward(Tensor grad, Tensor x) -> Tensor");
}

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CPU, m) {
  m.impl("silu_and_mul", &kernels_samples::silu_and_mul);
  m.impl("gelu_and_mul", &kernels_samples::gelu_and_mul);
  m.impl("silu_and_mul_backward", &kernels_samples::silu_and_mul_backward);
  m.impl("gelu_and_mul_backward", &kernels_samples::gelu_and_mul_backward);
}

#ifdef KERNELS_WITH_CUDA
KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, CUDA, m) {
  m.impl("silu_and_mul", &kernels_samples::silu_and_mul);
  m.impl("gelu_and_mul", &kernels_samples::gelu_and_mul);
  m.impl("silu_and_mul_backward", &kernels_samples::silu_and_mul_backward);
  m.impl("gelu_and_mul_backward", &kernels_samples::gelu_and_mul_backward);
}
#endif

KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, Meta, m) {
  m.impl("silu_and_mul", &kernels_samples::act_and_mul_meta);
  m.impl("gelu_and_mul", &kernels_samples::act_and_mul_meta);
  m.impl("silu_and_mul_backward", &kernels_samples::act_and_mul_backward_meta);
  m.impl("gelu_and_mul_backward", &kernels_samples::act_and_mul_backward_meta);
}

// One kernel for every autograd key (AutogradCPU, AutogradCUDA, AutogradMeta, ...).
KERNELS_TORCH_LIBRARY_IMPL(KERNELS_OPS_NAMESPACE, Autograd, m) {
  m.impl("silu_and_mul", &kernels_samples::silu_and_mul_autograd);
  m.impl("gelu_and_mul", &kernels_samples::gelu_and_mul_autograd);
}

KERNELS_EXPORT_LAYER_TABLE const kernels_layer_table* kernels_layer_table_v1(void) {
  return &kernels_samples::kTable;
}
