#pragma once

// How a libtorch module opts in to kernelize: the C++ form of the reference's
// `@use_kernel_forward_from_hub("RMSNorm")`. The module derives from KernelLayer with the C++
// type of the kernel layer's forward, names the layer and its signature (kernels/layer_table.h,
// "Signatures"), and gives its own implementation of that function; its forward() calls
// kernel_forward(...) with the arguments its state provides:
//
//   struct RMSNormImpl : torch::nn::Module,
//                        kernels::torch::KernelLayer<at::Tensor(const at::Tensor&,
//                                                               const at::Tensor&, double)> {
//     RMSNormImpl(std::int64_t hidden, double eps)
//         : KernelLayer("RMSNorm", "(Tensor x, Tensor weight, float eps) -> Tensor",
//                       &RMSNormImpl::reference), eps(eps) {
//       weight = register_parameter("weight", torch::ones({hidden}));
//     }
//     at::Tensor forward(const at::Tensor& x) { return kernel_forward(x, weight, eps); }
//     static at::Tensor reference(const at::Tensor& x, const at::Tensor& w, double eps);
//     at::Tensor weight;
//     double eps;
//   };
//
// kernel_forward is one indirect call through a function pointer that kernelize sets per
// instance (to the kernel's forward, after checking the layer table) and resets to the module's
// own function; nothing is decided per call, and the module's graph and parameters never change.
// The signature text is checked against the C++ type when the module is constructed (a mismatch
// is a programming error: std::invalid_argument).

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <ATen/core/Tensor.h>

namespace kernels::torch {

// The argument and result types a layer signature spells: "Tensor", "float", "int", "bool".
enum class SignatureType { tensor, floating, integer, boolean };

// The C++ types of a forward, as the signature check sees them.
struct ForwardType {
  std::vector<SignatureType> arguments;
  SignatureType result = SignatureType::tensor;
};

// Parses "(Tensor x, Tensor weight, float eps) -> Tensor"; throws std::invalid_argument naming
// what is wrong (a malformed signature in a module is a bug).
[[nodiscard]] ForwardType parse_forward_signature(std::string_view signature);

namespace detail {

template <class T>
constexpr SignatureType signature_type_of() {
  using Bare = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<Bare, at::Tensor>) {
    return SignatureType::tensor;
  } else if constexpr (std::is_same_v<Bare, double>) {
    return SignatureType::floating;
  } else if constexpr (std::is_same_v<Bare, std::int64_t>) {
    return SignatureType::integer;
  } else {
    static_assert(std::is_same_v<Bare, bool>,
                  "a kernel layer forward takes at::Tensor, double, int64_t or bool, as Torch's "
                  "dispatcher passes Tensor, float, int and bool");
    return SignatureType::boolean;
  }
}

}  // namespace detail

// What kernelize sees of an opted-in module, independent of its forward's C++ type.
class LayerSlot {
 public:
  LayerSlot(std::string layer_name, std::string signature)
      : layer_name_(std::move(layer_name)), signature_(std::move(signature)) {}
  LayerSlot(const LayerSlot&) = default;
  LayerSlot& operator=(const LayerSlot&) = default;
  virtual ~LayerSlot() = default;

  [[nodiscard]] const std::string& layer_name() const { return layer_name_; }
  [[nodiscard]] const std::string& forward_signature() const { return signature_; }
  // Whether the forward is a kernel's now.
  [[nodiscard]] virtual bool kernelized() const = 0;
  // Back to the module's own forward.
  virtual void reset_forward() = 0;
  // Sets the kernel's forward. Only kernelize calls it, after it checked that the layer's
  // signature equals forward_signature() byte for byte.
  virtual void set_kernel_forward(void* forward) = 0;

 private:
  std::string layer_name_;
  std::string signature_;
};

template <class Signature>
class KernelLayer;

template <class Result, class... Args>
class KernelLayer<Result(Args...)> : public LayerSlot {
 public:
  using Forward = Result (*)(Args...);

  KernelLayer(std::string layer_name, std::string signature, Forward own_forward)
      : LayerSlot(std::move(layer_name), std::move(signature)),
        own_(own_forward),
        current_(own_forward) {
    static_assert(std::is_same_v<Result, at::Tensor>, "a kernel layer forward returns at::Tensor");
    const ForwardType parsed = parse_forward_signature(forward_signature());
    const std::vector<SignatureType> expected{detail::signature_type_of<Args>()...};
    if (parsed.arguments != expected || parsed.result != SignatureType::tensor) {
      throw std::invalid_argument("kernel layer " + layer_name_for_error() + ": signature " +
                                  forward_signature() +
                                  " does not match the C++ type of its forward");
    }
  }

  [[nodiscard]] bool kernelized() const override { return current_ != own_; }
  void reset_forward() override { current_ = own_; }
  void set_kernel_forward(void* forward) override {
    // The layer table promises this type for this signature (kernels/layer_table.h).
    current_ = reinterpret_cast<Forward>(forward);
  }

 protected:
  Result kernel_forward(Args... args) const { return current_(std::forward<Args>(args)...); }

 private:
  [[nodiscard]] std::string layer_name_for_error() const { return layer_name(); }
  Forward own_;
  Forward current_;
};

}  // namespace kernels::torch
