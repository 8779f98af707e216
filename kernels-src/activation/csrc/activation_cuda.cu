#include <cstdint>

#include "activation_kernels.hpp"
#include "cuda_common.cuh"

namespace kernels_samples {
namespace {

using cuda::Pack;

// apply(x) is the activation; value_and_derivative(x) gives act(x) and act'(x) for the backward.
struct Silu {
  __device__ __forceinline__ static float apply(float x) { return x / (1.0F + __expf(-x)); }
  __device__ __forceinline__ static void value_and_derivative(float x, float* value,
                                                              float* derivative) {
    const float sigmoid = 1.0F / (1.0F + __expf(-x));
    *value = x * sigmoid;
    *derivative = sigmoid * (1.0F + x * (1.0F - sigmoid));
  }
};

// The exact (erf) GELU, as torch.nn.functional.gelu with approximate="none".
struct Gelu {
  __device__ __forceinline__ static float apply(float x) {
    return 0.5F * x * (1.0F + erff(x * 0.70710678118654752F));
  }
  __device__ __forceinline__ static void value_and_derivative(float x, float* value,
                                                              float* derivative) {
    const float cdf = 0.5F * (1.0F + erff(x * 0.70710678118654752F));
    const float pdf = 0.39894228040143268F * __expf(-0.5F * x * x);  // 1 / sqrt(2 pi)
    *value = x * cdf;
    *derivative = cdf + x * pdf;
  }
};

// A flat grid-stride loop over the output in packs of N: pack i of the output is pack `col` of row
// `row`, whose gate and up packs are at row * 2 * packs_per_row + col and + packs_per_row.
// Every byte of the input is read once and every byte of the output written once.
template <typename Act, typename T, int N>
__global__ void act_and_mul_kernel(const T* __restrict__ in, T* __restrict__ out,
                                   std::int64_t packs_per_row, std::int64_t total_packs) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const auto* in_packs = reinterpret_cast<const Pack<T, N>*>(in);
  auto* out_packs = reinterpret_cast<Pack<T, N>*>(out);
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < total_packs; i += stride) {
    const std::int64_t row = i / packs_per_row;
    const std::int64_t col = i - row * packs_per_row;
    const std::int64_t gate_index = row * 2 * packs_per_row + col;
    const Pack<T, N> gate = in_packs[gate_index];
    const Pack<T, N> up = in_packs[gate_index + packs_per_row];
    Pack<T, N> result;
#pragma unroll
    for (int k = 0; k < N; ++k) {
      result.value[k] = cuda::from_float<T>(Act::apply(cuda::to_float(gate.value[k])) *
                                            cuda::to_float(up.value[k]));
    }
    out_packs[i] = result;
  }
}

// The backward in the forward's layout: pack i of grad is pack `col` of row `row`; it writes the
// gate and up packs of grad_in at the input's offsets.
template <typename Act, typename T, int N>
__global__ void act_and_mul_backward_kernel(const T* __restrict__ grad, const T* __restrict__ in,
                                            T* __restrict__ grad_in, std::int64_t packs_per_row,
                                            std::int64_t total_packs) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const auto* grad_packs = reinterpret_cast<const Pack<T, N>*>(grad);
  const auto* in_packs = reinterpret_cast<const Pack<T, N>*>(in);
  auto* grad_in_packs = reinterpret_cast<Pack<T, N>*>(grad_in);
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < total_packs; i += stride) {
    const std::int64_t row = i / packs_per_row;
    const std::int64_t col = i - row * packs_per_row;
    const std::int64_t gate_index = row * 2 * packs_per_row + col;
    const Pack<T, N> g = grad_packs[i];
    const Pack<T, N> gate = in_packs[gate_index];
    const Pack<T, N> up = in_packs[gate_index + packs_per_row];
    Pack<T, N> grad_gate;
    Pack<T, N> grad_up;
#pragma unroll
    for (int k = 0; k < N; ++k) {
      float value = 0.0F;
      float derivative = 0.0F;
      Act::value_and_derivative(cuda::to_float(gate.value[k]), &value, &derivative);
      const float gk = cuda::to_float(g.value[k]);
      grad_gate.value[k] = cuda::from_float<T>(gk * cuda::to_float(up.value[k]) * derivative);
      grad_up.value[k] = cuda::from_float<T>(gk * value);
    }
    grad_in_packs[gate_index] = grad_gate;
    grad_in_packs[gate_index + packs_per_row] = grad_up;
  }
}

constexpr int kThreads = 256;

template <typename Act>
void launch(DType dtype, const void* in, void* out, std::int64_t d, std::int64_t rows,
            cudaStream_t stream) {
  cuda::dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    constexpr int N = cuda::kPackElements<T>;
    const auto* x = static_cast<const T*>(in);
    auto* y = static_cast<T*>(out);
    if (d % N == 0 && cuda::aligned16(in, out)) {
      const std::int64_t total = rows * (d / N);
      act_and_mul_kernel<Act, T, N>
          <<<cuda::grid_for(total, kThreads), kThreads, 0, stream>>>(x, y, d / N, total);
    } else {
      act_and_mul_kernel<Act, T, 1>
          <<<cuda::grid_for(rows * d, kThreads), kThreads, 0, stream>>>(x, y, d, rows * d);
    }
  });
}

template <typename Act>
void launch_backward(DType dtype, const void* grad, const void* in, void* grad_in, std::int64_t d,
                     std::int64_t rows, cudaStream_t stream) {
  cuda::dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    constexpr int N = cuda::kPackElements<T>;
    const auto* g = static_cast<const T*>(grad);
    const auto* x = static_cast<const T*>(in);
    auto* dx = static_cast<T*>(grad_in);
    if (d % N == 0 && cuda::aligned16(grad, in, grad_in)) {
      const std::int64_t total = rows * (d / N);
      act_and_mul_backward_kernel<Act, T, N>
          <<<cuda::grid_for(total, kThreads), kThreads, 0, stream>>>(g, x, dx, d / N, total);
    } else {
      act_and_mul_backward_kernel<Act, T, 1>
          <<<cuda::grid_for(rows * d, kThreads), kThreads, 0, stream>>>(g, x, dx, d, rows * d);
    }
  });
}

}  // namespace

const char* act_and_mul_cuda(Activation activation, DType dtype, const void* in, void* out,
                             std::int64_t d, std::int64_t rows, void* stream) {
  auto* cuda_stream = static_cast<cudaStream_t>(stream);
  if (activation == Activation::silu) {
    launch<Silu>(dtype, in, out, d, rows, cuda_stream);
  } else {
    launch<Gelu>(dtype, in, out, d, rows, cuda_stream);
  }
  return cuda::last_error();
}

const char* act_and_mul_backward_cuda(Activation activation, DType dtype, const void* grad,
                                      const void* in, void* grad_in, std::int64_t d,
                                      std::int64_t rows, void* stream) {
  auto* cuda_stream = static_cast<cudaStream_t>(stream);
  if (activation == Activation::silu) {
    launch_backward<Silu>(dtype, grad, in, grad_in, d, rows, cuda_stream);
  } else {
    launch_backward<Gelu>(dtype, grad, in, grad_in, d, rows, cuda_stream);
  }
  return cuda::last_error();
}

}  // namespace kernels_samples
