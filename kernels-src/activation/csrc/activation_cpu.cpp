#include <cmath>
#include <cstdint>

#include "activation_kernels.hpp"
#include "cpu_loops.hpp"

namespace kernels_samples {
namespace {

struct Silu {
  static float apply(float x) { return x / (1.0F + std::exp(-x)); }
};

// The exact (erf) GELU, as torch.nn.functional.gelu with approximate="none".
struct Gelu {
  static float apply(float x) { return 0.5F * x * (1.0F + std::erf(x * 0.70710678118654752F)); }
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

}  // namespace

void act_and_mul_cpu(Activation activation, DType dtype, const void* in, void* out, std::int64_t d,
                     std::int64_t row_begin, std::int64_t row_end) {
  if (activation == Activation::silu) {
    act_and_mul<Silu>(dtype, in, out, d, row_begin, row_end);
  } else {
    act_and_mul<Gelu>(dtype, in, out, d, row_begin, row_end);
  }
}

}  // namespace kernels_samples
