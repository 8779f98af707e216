#include <cstdint>

#include "cuda_common.cuh"
#include "relu_kernels.hpp"

namespace kernels_samples {
namespace {

using cuda::Pack;

template <typename T>
__device__ __forceinline__ T relu_element(T value) {
  const float x = cuda::to_float(value);
  // NaN < 0 is false, so NaN passes through as in torch.relu.
  return x < 0.0F ? cuda::from_float<T>(0.0F) : value;
}

// One pass: each thread loads N elements with one instruction and stores N; the elements past the
// last whole pack are done one by one.
template <typename T, int N>
__global__ void relu_kernel(const T* __restrict__ in, T* __restrict__ out, std::int64_t n) {
  const std::int64_t packs = n / N;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const auto* in_packs = reinterpret_cast<const Pack<T, N>*>(in);
  auto* out_packs = reinterpret_cast<Pack<T, N>*>(out);
  for (std::int64_t i = first; i < packs; i += stride) {
    Pack<T, N> pack = in_packs[i];
#pragma unroll
    for (int k = 0; k < N; ++k)
      pack.value[k] = relu_element(pack.value[k]);
    out_packs[i] = pack;
  }
  for (std::int64_t i = packs * N + first; i < n; i += stride)
    out[i] = relu_element(in[i]);
}

constexpr int kThreads = 256;

}  // namespace

const char* relu_cuda(DType dtype, const void* in, void* out, std::int64_t n, void* stream) {
  auto* cuda_stream = static_cast<cudaStream_t>(stream);
  cuda::dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    constexpr int N = cuda::kPackElements<T>;
    const auto* x = static_cast<const T*>(in);
    auto* y = static_cast<T*>(out);
    if (cuda::aligned16(in, out)) {
      relu_kernel<T, N><<<cuda::grid_for(n / N, kThreads), kThreads, 0, cuda_stream>>>(x, y, n);
    } else {
      relu_kernel<T, 1><<<cuda::grid_for(n, kThreads), kThreads, 0, cuda_stream>>>(x, y, n);
    }
  });
  return cuda::last_error();
}

}  // namespace kernels_samples
