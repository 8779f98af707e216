#include <cstdint>

#include "cpu_loops.hpp"
#include "relu_kernels.hpp"

namespace kernels_samples {
namespace {

// 16-bit floats are clamped on their bits: a negative number (sign set, magnitude at most the
// infinity pattern) becomes +0, everything else, NaN included, is kept. Branch-free, so the loop
// vectorizes.
template <std::uint16_t kInfinityBits>
void relu_bits(const std::uint16_t* in, std::uint16_t* out, std::int64_t begin, std::int64_t end) {
  for (std::int64_t i = begin; i < end; ++i) {
    const std::uint16_t bits = in[i];
    const bool negative = (bits & 0x8000U) != 0 && (bits & 0x7FFFU) <= kInfinityBits;
    out[i] = negative ? std::uint16_t{0} : bits;
  }
}

void relu_float(const float* in, float* out, std::int64_t begin, std::int64_t end) {
  for (std::int64_t i = begin; i < end; ++i) {
    out[i] = in[i] < 0.0F ? 0.0F : in[i];
  }
}

}  // namespace

void relu_cpu(DType dtype, const void* in, void* out, std::int64_t begin, std::int64_t end) {
  switch (dtype) {
    case DType::float32:
      relu_float(static_cast<const float*>(in), static_cast<float*>(out), begin, end);
      return;
    case DType::float16:
      relu_bits<0x7C00U>(static_cast<const std::uint16_t*>(in), static_cast<std::uint16_t*>(out),
                         begin, end);
      return;
    case DType::bfloat16:
      relu_bits<0x7F80U>(static_cast<const std::uint16_t*>(in), static_cast<std::uint16_t*>(out),
                         begin, end);
      return;
  }
}

}  // namespace kernels_samples
