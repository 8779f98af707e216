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

// sum_i(x_i^2) and sum_i(g_i * w_i * x_i) of one row, each over kLanes partial sums.
template <typename T>
void backward_row_sums(const T* g, const T* x, const T* weight, std::int64_t hidden, float* squares,
                       float* dot) {
  float square_lanes[kLanes] = {};
  float dot_lanes[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= hidden; i += kLanes) {
    for (std::int64_t lane = 0; lane < kLanes; ++lane) {
      const float value = to_float(x[i + lane]);
      square_lanes[lane] += value * value;
      dot_lanes[lane] += to_float(g[i + lane]) * to_float(weight[i + lane]) * value;
    }
  }
  float square_sum = 0.0F;
  float dot_sum = 0.0F;
  for (; i < hidden; ++i) {
    const float value = to_float(x[i]);
    square_sum += value * value;
    dot_sum += to_float(g[i]) * to_float(weight[i]) * value;
  }
  for (std::int64_t lane = 0; lane < kLanes; ++lane) {
    square_sum += square_lanes[lane];
    dot_sum += dot_lanes[lane];
  }
  *squares = square_sum;
  *dot = dot_sum;
}

// Per row: the two sums, then one pass that writes grad_in and adds the row's grad_weight terms.
template <typename T>
void rms_norm_backward_rows(const T* grad, const T* in, const T* weight, T* grad_in,
                            float* weight_partial, std::int64_t hidden, float eps,
                            std::int64_t row_begin, std::int64_t row_end) {
  const float inverse_hidden = 1.0F / static_cast<float>(hidden);
  for (std::int64_t row = row_begin; row < row_end; ++row) {
    const T* g = grad + row * hidden;
    const T* x = in + row * hidden;
    T* dx = grad_in + row * hidden;
    float squares = 0.0F;
    float dot = 0.0F;
    backward_row_sums(g, x, weight, hidden, &squares, &dot);
    // The forward's scale, computed the same way.
    const float scale = 1.0F / std::sqrt(squares * inverse_hidden + eps);
    const float correction = dot * scale * scale * scale * inverse_hidden;
    for (std::int64_t i = 0; i < hidden; ++i) {
      const float gi = to_float(g[i]);
      const float xi = to_float(x[i]);
      dx[i] = from_float<T>(scale * gi * to_float(weight[i]) - correction * xi);
      weight_partial[i] += gi * xi * scale;
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

void rms_norm_backward_cpu(DType dtype, const void* grad, const void* in, const void* weight,
                           void* grad_in, float* weight_partial, std::int64_t hidden, float eps,
                           std::int64_t row_begin, std::int64_t row_end) {
  dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    rms_norm_backward_rows(static_cast<const T*>(grad), static_cast<const T*>(in),
                           static_cast<const T*>(weight), static_cast<T*>(grad_in), weight_partial,
                           hidden, eps, row_begin, row_end);
  });
}

}  // namespace kernels_samples
