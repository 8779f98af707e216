#include <cmath>
#include <cstdint>

#include "activation_kernels.hpp"
#include "cpu_loops.hpp"

namespace kernels_samples {
namespace {

// apply(x) is the activation; value_and_derivative(x) gives act(x) and act'(x) for the backward,
// sharing the exp (silu) or the erf (gelu) between the two.
struct Silu {
  static float apply(float x) { return x / (1.0F + std::exp(-x)); }
  static void value_and_derivative(float x, float* value, float* derivative) {
    const float sigmoid = 1.0F / (1.0F + std::exp(-x));
    *value = x * sigmoid;
    *derivative = sigmoid * (1.0F + x * (1.0F - sigmoid));
  }
};

// The exact (erf) GELU, as torch.nn.functional.gelu with approximate="none".
struct Gelu {
  static float apply(float x) { return 0.5F * x * (1.0F + std::erf(x * 0.70710678118654752F)); }
  static void value_and_derivative(float x, float* value, float* derivative) {
    const float cdf = 0.5F * (1.0F + std::erf(x * 0.70710678118654752F));
    const float pdf = 0.39894228040143268F * std::exp(-0.5F * x * x);  // 1 / sqrt(2 pi)
    *value = x * cdf;
    *derivative = cdf + x * pdf;
  }
};

template <typename Act, typename T>
void act_and_mul_rows(const T* in, T* out, std::int64_t d, std::int64_t row_begin,
                      std::int64_t row_end) {
  for (std::int64_t row = row_begin; row < row_end; ++row) {
    const T* gate = in + row * 2 * d;
    const T* up = gate + d;
    T* result = out + row * d;
    for (std::int64_t i = 0; i < d; ++i) {
      result[i] = from_float<T>(Act::apply(to_float(gate[i])) * to_float(up[i]));
    }
  }
}

template <typename Act>
void act_and_mul(DType dtype, const void* in, void* out, std::int64_t d, std::int64_t row_begin,
                 std::int64_t row_end) {
  dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    act_and_mul_rows<Act>(static_cast<const T*>(in), static_cast<T*>(out), d, row_begin, row_end);
  });
}

template <typename Act, typename T>
void act_and_mul_backward_rows(const T* grad, const T* in, T* grad_in, std::int64_t d,
                               std::int64_t row_begin, std::int64_t row_end) {
  for (std::int64_t row = row_begin; row < row_end; ++row) {
    const T* g = grad + row * d;
    const T* gate = in + row * 2 * d;
    const T* up = gate + d;
    T* grad_gate = grad_in + row * 2 * d;
    T* grad_up = grad_gate + d;
    for (std::int64_t i = 0; i < d; ++i) {
      float value = 0.0F;
      float derivative = 0.0F;
      Act::value_and_derivative(to_float(gate[i]), &value, &derivative);
      const float gi = to_float(g[i]);
      grad_gate[i] = from_float<T>(gi * to_float(up[i]) * derivative);
      grad_up[i] = from_float<T>(gi * value);
    }
  }
}

template <typename Act>
void act_and_mul_backward(DType dtype, const void* grad, const void* in, void* grad_in,
                          std::int64_t d, std::int64_t row_begin, std::int64_t row_end) {
  dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    act_and_mul_backward_rows<Act>(static_cast<const T*>(grad), static_cast<const T*>(in),
                                   static_cast<T*>(grad_in), d, row_begin, row_end);
  });
}

}  // namespace

void act_and_mul_cpu(Activation activation, DType dtype, const void* in, void* out, std::int64_t d,
                     std::int64_t row_begin, std::int64_t row_end) {
  if (activation == Activation::silu) {
    act_and_mul<Silu>(dtype, in, out, d, row_begin, row_end);
  } else {
    act_and_mul<Gelu>(dtype, in, out, d, row_begin, row_end);
  }
}

void act_and_mul_backward_cpu(Activation activation, DType dtype, const void* grad, const void* in,
                              void* grad_in, std::int64_t d, std::int64_t row_begin,
                              std::int64_t row_end) {
  if (activation == Activation::silu) {
    act_and_mul_backward<Silu>(dtype, grad, in, grad_in, d, row_begin, row_end);
  } else {
    act_and_mul_backward<Gelu>(dtype, grad, in, grad_in, d, row_begin, row_end);
  }
}

}  // namespace kernels_samples
