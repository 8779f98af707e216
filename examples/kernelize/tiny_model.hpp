#pragma once

// A small transformer-style model whose RMSNorm and SiluAndMul layers opt in to kernelize:
// each derives from kernels::torch::KernelLayer with its forward's C++ type, names the layer the
// kernel mapping uses, and gives its own implementation in plain libtorch ops.

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include "kernels/torch/kernel_layer.hpp"

namespace example {

using RMSNormForward = at::Tensor(const at::Tensor&, const at::Tensor&, double);

struct RMSNormImpl : torch::nn::Module, kernels::torch::KernelLayer<RMSNormForward> {
  RMSNormImpl(std::int64_t hidden, double epsilon);
  at::Tensor forward(const at::Tensor& x) { return kernel_forward(x, weight, eps); }
  // weight * x / sqrt(mean(x^2) + eps), computed in float32.
  static at::Tensor reference(const at::Tensor& x, const at::Tensor& weight, double eps);

  at::Tensor weight;
  double eps;
};
TORCH_MODULE(RMSNorm);

using ActivationForward = at::Tensor(const at::Tensor&);

// silu(x[..., :d]) * x[..., d:] for x of last dimension 2d.
struct SiluAndMulImpl : torch::nn::Module, kernels::torch::KernelLayer<ActivationForward> {
  SiluAndMulImpl();
  at::Tensor forward(const at::Tensor& x) { return kernel_forward(x); }
  static at::Tensor reference(const at::Tensor& x);
};
TORCH_MODULE(SiluAndMul);

struct MLPImpl : torch::nn::Module {
  MLPImpl(std::int64_t hidden, std::int64_t intermediate);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Linear gate_up{nullptr};
  SiluAndMul act{nullptr};
  torch::nn::Linear down{nullptr};
};
TORCH_MODULE(MLP);

using RMSNormMLPForward = at::Tensor(const at::Tensor&, const at::Tensor&, double,
                                     const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                     const at::Tensor&);

// x + mlp(norm(x)). The block opts in to the fused layer "RMSNormMLP" (module fusion, seeds/002):
// in C++ a parent's forward is compiled code that calls its children, so a fused kernel replaces
// the parent's forward, not its children; the block passes the children's parameters in the
// kernel's layout (the MLP's gate and up projections are already one Linear here). Unfused, the
// block runs its children, each kernelized on its own or not.
struct BlockImpl : torch::nn::Module, kernels::torch::KernelLayer<RMSNormMLPForward> {
  BlockImpl(std::int64_t hidden, std::int64_t intermediate);
  at::Tensor forward(const at::Tensor& x);
  // mlp(norm(x)) from the parameters, in plain libtorch ops (the children's references).
  static at::Tensor reference(const at::Tensor& x, const at::Tensor& norm_weight, double eps,
                              const at::Tensor& gate_up_weight, const at::Tensor& gate_up_bias,
                              const at::Tensor& down_weight, const at::Tensor& down_bias);

  RMSNorm norm{nullptr};
  MLP mlp{nullptr};
};
TORCH_MODULE(Block);

struct TinyModelImpl : torch::nn::Module {
  TinyModelImpl(std::int64_t vocabulary, std::int64_t hidden, std::int64_t intermediate,
                std::int64_t blocks);
  at::Tensor forward(const at::Tensor& tokens);

  torch::nn::Embedding embedding{nullptr};
  torch::nn::ModuleList blocks;
  RMSNorm final_norm{nullptr};
};
TORCH_MODULE(TinyModel);

}  // namespace example
