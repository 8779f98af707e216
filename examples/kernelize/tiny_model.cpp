#include "tiny_model.hpp"

#include <string>

#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

namespace example {

RMSNormImpl::RMSNormImpl(std::int64_t hidden, double epsilon)
    : KernelLayer("RMSNorm", "(Tensor x, Tensor weight, float eps) -> Tensor",
                  &RMSNormImpl::reference),
      eps(epsilon) {
  weight = register_parameter("weight", torch::ones({hidden}));
}

at::Tensor RMSNormImpl::reference(const at::Tensor& x, const at::Tensor& weight, double eps) {
  const at::Tensor x32 = x.to(torch::kFloat32);
  const at::Tensor rms = torch::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return weight * (x32 * rms).to(x.scalar_type());
}

SiluAndMulImpl::SiluAndMulImpl()
    : KernelLayer("SiluAndMul", "(Tensor x) -> Tensor", &SiluAndMulImpl::reference) {}

at::Tensor SiluAndMulImpl::reference(const at::Tensor& x) {
  const std::int64_t half = x.size(-1) / 2;
  return torch::silu(x.narrow(-1, 0, half)) * x.narrow(-1, half, half);
}

MLPImpl::MLPImpl(std::int64_t hidden, std::int64_t intermediate) {
  gate_up = register_module("gate_up", torch::nn::Linear(hidden, 2 * intermediate));
  act = register_module("act", SiluAndMul());
  down = register_module("down", torch::nn::Linear(intermediate, hidden));
}

at::Tensor MLPImpl::forward(const at::Tensor& x) {
  return down(act(gate_up(x)));
}

BlockImpl::BlockImpl(std::int64_t hidden, std::int64_t intermediate)
    : KernelLayer("RMSNormMLP",
                  "(Tensor x, Tensor weight, float eps, Tensor gate_up_weight, Tensor "
                  "gate_up_bias, Tensor down_weight, Tensor down_bias) -> Tensor",
                  &BlockImpl::reference) {
  norm = register_module("norm", RMSNorm(hidden, 1e-6));
  mlp = register_module("mlp", MLP(hidden, intermediate));
}

at::Tensor BlockImpl::reference(const at::Tensor& x, const at::Tensor& norm_weight, double eps,
                                const at::Tensor& gate_up_weight, const at::Tensor& gate_up_bias,
                                const at::Tensor& down_weight, const at::Tensor& down_bias) {
  const at::Tensor normed = RMSNormImpl::reference(x, norm_weight, eps);
  const at::Tensor activated = SiluAndMulImpl::reference(
      torch::nn::functional::linear(normed, gate_up_weight, gate_up_bias));
  return torch::nn::functional::linear(activated, down_weight, down_bias);
}

at::Tensor BlockImpl::forward(const at::Tensor& x) {
  // The one branch a fused layer needs: its own forward is its children, not a function.
  if (!kernelized()) return x + mlp(norm(x));
  return x + kernel_forward(x, norm->weight, norm->eps, mlp->gate_up->weight, mlp->gate_up->bias,
                            mlp->down->weight, mlp->down->bias);
}

TinyModelImpl::TinyModelImpl(std::int64_t vocabulary, std::int64_t hidden,
                             std::int64_t intermediate, std::int64_t block_count) {
  embedding = register_module("embedding", torch::nn::Embedding(vocabulary, hidden));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < block_count; ++i)
    blocks->push_back(Block(hidden, intermediate));
  final_norm = register_module("final_norm", RMSNorm(hidden, 1e-6));
}

at::Tensor TinyModelImpl::forward(const at::Tensor& tokens) {
  at::Tensor x = embedding(tokens);
  for (const auto& block : *blocks)
    x = block->as<BlockImpl>()->forward(x);
  return final_norm(x);
}

}  // namespace example
