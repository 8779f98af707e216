#include <cstdint>

#include "cuda_common.cuh"
#include "rms_norm_kernels.hpp"

namespace kernels_samples {
namespace {

using cuda::Pack;

constexpr int kWarp = 32;
constexpr int kMaxThreads = 1024;
// Rows up to this size are kept in shared memory between the sum and the scaling, so that DRAM
// sees one read of the input; longer rows are read twice (the second read mostly hits L2).
constexpr std::int64_t kMaxCachedRowBytes = 32 * 1024;

__device__ __forceinline__ float block_sum(float value) {
  __shared__ float partial[kMaxThreads / kWarp];
  __shared__ float total;
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    value += __shfl_xor_sync(0xFFFFFFFFU, value, offset);
  }
  const int warp = static_cast<int>(threadIdx.x) / kWarp;
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  if (lane == 0) partial[warp] = value;
  __syncthreads();
  if (warp == 0) {
    const int warps = static_cast<int>(blockDim.x) / kWarp;
    value = lane < warps ? partial[lane] : 0.0F;
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
      value += __shfl_xor_sync(0xFFFFFFFFU, value, offset);
    }
    if (lane == 0) total = value;
  }
  __syncthreads();
  return total;
}

// One block per row (grid-stride over rows); each thread handles packs t, t + blockDim, ...
template <typename T, int N, bool kCacheRow>
__global__ void rms_norm_kernel(const T* __restrict__ in, const T* __restrict__ weight,
                                T* __restrict__ out, std::int64_t packs_per_row, std::int64_t rows,
                                float inverse_hidden, float eps) {
  extern __shared__ unsigned char row_cache_bytes[];
  auto* row_cache = reinterpret_cast<Pack<T, N>*>(row_cache_bytes);
  const auto* weight_packs = reinterpret_cast<const Pack<T, N>*>(weight);
  for (std::int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const auto* x = reinterpret_cast<const Pack<T, N>*>(in) + row * packs_per_row;
    auto* y = reinterpret_cast<Pack<T, N>*>(out) + row * packs_per_row;
    float sum = 0.0F;
    for (std::int64_t i = threadIdx.x; i < packs_per_row; i += blockDim.x) {
      const Pack<T, N> pack = x[i];
      if constexpr (kCacheRow) row_cache[i] = pack;
#pragma unroll
      for (int k = 0; k < N; ++k) {
        const float value = cuda::to_float(pack.value[k]);
        sum += value * value;
      }
    }
    const float scale = rsqrtf(block_sum(sum) * inverse_hidden + eps);
    for (std::int64_t i = threadIdx.x; i < packs_per_row; i += blockDim.x) {
      Pack<T, N> pack;
      if constexpr (kCacheRow) {
        pack = row_cache[i];
      } else {
        pack = x[i];
      }
      const Pack<T, N> w = weight_packs[i];
#pragma unroll
      for (int k = 0; k < N; ++k) {
        pack.value[k] = cuda::from_float<T>(cuda::to_float(w.value[k]) *
                                            (cuda::to_float(pack.value[k]) * scale));
      }
      y[i] = pack;
    }
    // The next row reuses the shared reduction slots and the row cache.
    __syncthreads();
  }
}

template <typename T, int N>
void launch(const T* in, const T* weight, T* out, std::int64_t hidden, float eps, std::int64_t rows,
            cudaStream_t stream) {
  const std::int64_t packs = hidden / N;
  std::int64_t threads = (packs + kWarp - 1) / kWarp * kWarp;
  if (threads > kMaxThreads) threads = kMaxThreads;
  if (threads < 4 * kWarp) threads = 4 * kWarp;
  constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;
  const auto grid = static_cast<unsigned>(rows < kMaxGrid ? rows : kMaxGrid);
  const std::int64_t row_bytes = hidden * static_cast<std::int64_t>(sizeof(T));
  const float inverse_hidden = 1.0F / static_cast<float>(hidden);
  if (row_bytes <= kMaxCachedRowBytes) {
    rms_norm_kernel<T, N, true>
        <<<grid, static_cast<unsigned>(threads), static_cast<std::size_t>(row_bytes), stream>>>(
            in, weight, out, packs, rows, inverse_hidden, eps);
  } else {
    rms_norm_kernel<T, N, false><<<grid, static_cast<unsigned>(threads), 0, stream>>>(
        in, weight, out, packs, rows, inverse_hidden, eps);
  }
}

}  // namespace

const char* rms_norm_cuda(DType dtype, const void* in, const void* weight, void* out,
                          std::int64_t hidden, float eps, std::int64_t rows, void* stream) {
  auto* cuda_stream = static_cast<cudaStream_t>(stream);
  cuda::dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    constexpr int N = cuda::kPackElements<T>;
    const auto* x = static_cast<const T*>(in);
    const auto* w = static_cast<const T*>(weight);
    auto* y = static_cast<T*>(out);
    if (hidden % N == 0 && cuda::aligned16(in, out, weight)) {
      launch<T, N>(x, w, y, hidden, eps, rows, cuda_stream);
    } else {
      launch<T, 1>(x, w, y, hidden, eps, rows, cuda_stream);
    }
  });
  return cuda::last_error();
}

}  // namespace kernels_samples
