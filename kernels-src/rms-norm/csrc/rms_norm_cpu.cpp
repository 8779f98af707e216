#include <cmath>
#include <cstdint>

#include "cpu_loops.hpp"
#include "rms_norm_kernels.hpp"

namespace kernels_samples {
namespace {

// Eight independent partial sums: the order of a float sum is fixed by the source, so without
// them the compiler may not vectorize the reduction (no -ffast-math here).
constexpr std::int64_t kLanes = 8;

template <typename T>
float sum_of_squares(const T* row, std::int64_t hidden) {
  float lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= hidden; i += kLanes) {
    for (std::int64_t lane = 0; lane < kLanes; ++lane) {
      const float value = to_float(row[i + lane]);
      lanes[lane] += value * value;
    }
  }
  float sum = 0.0F;
  for (; i < hidden; ++i) {
    const float value = to_float(row[i]);
    sum += value * value;
  }
  for (float lane : lanes)
    sum += lane;
  return sum;
}

template <typename T>
void rms_norm_rows(const T* in, const T* weight, T* out, std::int64_t hidden, float eps,
                   std::int64_t row_begin, std::int64_t row_end) {
  for (std::int64_t row = row_begin; row < row_end; ++row) {
    const T* x = in + row * hidden;
    T* y = out + row * hidden;
    const float mean = sum_of_squares(x, hidden) / static_cast<float>(hidden);
    const float scale = 1.0F / std::sqrt(mean + eps);
    for (std::int64_t i = 0; i < hidden; ++i) {
      y[i] = from_float<T>(to_float(weight[i]) * (to_float(x[i]) * scale));
    }
  }
}

}  // namespace

void rms_norm_cpu(DType dtype, const void* in, const void* weight, void* out, std::int64_t hidden,
                  float eps, std::int64_t row_begin, std::int64_t row_end) {
  dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    rms_norm_rows(static_cast<const T*>(in), static_cast<const T*>(weight), static_cast<T*>(out),
                  hidden, eps, row_begin, row_end);
  });
}

}  // namespace kernels_samples
