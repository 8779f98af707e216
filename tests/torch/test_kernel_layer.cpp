#include <stdexcept>

#include <doctest/doctest.h>

#include "kernels/torch/kernel_layer.hpp"

using kernels::torch::KernelLayer;
using kernels::torch::SignatureType;

namespace {

at::Tensor own_forward(const at::Tensor& x) {
  return x;
}
at::Tensor kernel_forward_fn(const at::Tensor& x) {
  return x;
}

struct Layer : KernelLayer<at::Tensor(const at::Tensor&)> {
  explicit Layer(std::string signature)
      : KernelLayer("Identity", std::move(signature), &own_forward) {}
};

}  // namespace

TEST_CASE("kernel layer: signatures parse into the dispatcher's types") {
  const auto type = kernels::torch::parse_forward_signature(
      "(Tensor x, Tensor weight, float eps, int groups, bool inplace) -> Tensor");
  CHECK(type.arguments == std::vector<SignatureType>{
                              SignatureType::tensor, SignatureType::tensor, SignatureType::floating,
                              SignatureType::integer, SignatureType::boolean});
  CHECK(type.result == SignatureType::tensor);
  CHECK(kernels::torch::parse_forward_signature("() -> Tensor").arguments.empty());
  CHECK_THROWS_AS((void)kernels::torch::parse_forward_signature("Tensor x -> Tensor"),
                  std::invalid_argument);
  CHECK_THROWS_AS((void)kernels::torch::parse_forward_signature("(Tensor) -> Tensor"),
                  std::invalid_argument);
  CHECK_THROWS_AS((void)kernels::torch::parse_forward_signature("(Scalar s) -> Tensor"),
                  std::invalid_argument);
}

TEST_CASE("kernel layer: the signature must match the C++ type, the pointer swaps per instance") {
  CHECK_THROWS_AS(Layer("(Tensor x, float eps) -> Tensor"), std::invalid_argument);
  Layer first("(Tensor x) -> Tensor");
  Layer second("(Tensor x) -> Tensor");
  CHECK_FALSE(first.kernelized());
  first.set_kernel_forward(reinterpret_cast<void*>(&kernel_forward_fn));
  CHECK(first.kernelized());
  CHECK_FALSE(second.kernelized());
  first.reset_forward();
  CHECK_FALSE(first.kernelized());
}
