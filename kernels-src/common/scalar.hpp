#pragma once

// Element types of the sample kernels' inner loops, without Torch: the CPU and CUDA sources that
// do the arithmetic include only this, so that few translation units pay for the Torch headers.
// float16 and bfloat16 are stored as their 16-bit patterns and converted to float in registers;
// every kernel computes in float and rounds once when it stores (round to nearest even).

#include <cstdint>
#include <cstring>

namespace kernels_samples {

enum class DType : std::uint8_t { float32, float16, bfloat16 };

struct Half {
  std::uint16_t bits;
};
struct BFloat16 {
  std::uint16_t bits;
};

inline float bits_to_float(std::uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

inline std::uint32_t float_to_bits(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float to_float(float value) {
  return value;
}
inline float to_float(BFloat16 value) {
  return bits_to_float(static_cast<std::uint32_t>(value.bits) << 16U);
}
// IEEE binary16 -> binary32 by arithmetic on the bits: normal numbers rebias the exponent,
// subnormals are scaled through a float multiply, and Inf/NaN keep their payload.
inline float to_float(Half value) {
  const std::uint32_t sign = static_cast<std::uint32_t>(value.bits & 0x8000U) << 16U;
  const std::uint32_t exponent = (value.bits >> 10U) & 0x1FU;
  const std::uint32_t mantissa = value.bits & 0x3FFU;
  if (exponent == 0x1FU) return bits_to_float(sign | 0x7F800000U | (mantissa << 13U));
  if (exponent == 0) {
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8F;  // 2^-24
    return sign != 0 ? -magnitude : magnitude;
  }
  return bits_to_float(sign | ((exponent + 112U) << 23U) | (mantissa << 13U));
}

template <typename T>
T from_float(float value);

template <>
inline float from_float<float>(float value) {
  return value;
}

template <>
inline BFloat16 from_float<BFloat16>(float value) {
  const std::uint32_t bits = float_to_bits(value);
  if ((bits & 0x7FFFFFFFU) > 0x7F800000U) return BFloat16{0x7FC0};  // NaN stays NaN
  const std::uint32_t rounding = 0x7FFFU + ((bits >> 16U) & 1U);
  return BFloat16{static_cast<std::uint16_t>((bits + rounding) >> 16U)};
}

// binary32 -> binary16 with round to nearest even, overflow to Inf, gradual underflow.
template <>
inline Half from_float<Half>(float value) {
  const std::uint32_t bits = float_to_bits(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16U) & 0x8000U);
  const std::uint32_t magnitude = bits & 0x7FFFFFFFU;
  if (magnitude > 0x7F800000U) return Half{static_cast<std::uint16_t>(sign | 0x7E00U)};
  if (magnitude >= 0x477FF000U) return Half{static_cast<std::uint16_t>(sign | 0x7C00U)};
  if (magnitude < 0x38800000U) {
    // Subnormal or zero: adding 0.5 makes the FPU round the mantissa at 2^-24 for us.
    const float shifted = bits_to_float(magnitude) + 0.5F;
    return Half{static_cast<std::uint16_t>(sign | (float_to_bits(shifted) - 0x3F000000U))};
  }
  const std::uint32_t odd = (magnitude >> 13U) & 1U;
  const std::uint32_t rounded = magnitude + 0xC8000FFFU + odd;  // rebias (-112 << 23) and round
  return Half{static_cast<std::uint16_t>(sign | (rounded >> 13U))};
}

}  // namespace kernels_samples
