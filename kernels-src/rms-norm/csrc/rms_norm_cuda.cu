#include <cstdint>

#include <cooperative_groups.h>

#include "cuda_common.cuh"
#include "rms_norm_kernels.hpp"

namespace kernels_samples {
namespace {

using cuda::Pack;

constexpr int kWarp = 32;
constexpr int kMaxThreads = 1024;
// Rows are kept in shared memory between the sum and the scaling, so that DRAM sees one read of
// the input: up to 32 KiB within the default limit, longer ones (a 32768-wide float32 row is
// 128 KiB) with the kernel's opt-in to the device's larger shared memory (A100 163 KiB, H100
// 227 KiB per block). Rows that do not fit even so are read twice (the second read mostly hits
// L2).
constexpr std::int64_t kMaxCachedRowBytes = 32 * 1024;
constexpr std::int64_t kShortRowThreads = 512;
constexpr std::int64_t kDefaultSharedBytes = 48 * 1024;
// The static shared memory of block_sum, kept free beside the row cache.
constexpr std::int64_t kReductionBytes = 1024;

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

// Rows over kClusterRowBytes (a 32768-wide float32 row is 128 KiB) leave room for one cached
// row per SM, so its block waits on its own loads and then on its own stores with nothing beside
// it. On Hopper (sm_90+) such a row is split over a cluster of two blocks: each keeps half the row
// in its shared memory, and the two half sums meet through distributed shared memory (the sum is
// a + b in both blocks, so both compute the same scale). Two or three rows then overlap per SM:
// H100, float32 2048 x 32768: 82% -> 89% of a device copy.
constexpr std::int64_t kClusterRowBytes = 64 * 1024;

template <typename T, int N>
__global__ void rms_norm_cluster_kernel(const T* __restrict__ in, const T* __restrict__ weight,
                                        T* __restrict__ out, std::int64_t packs_per_row,
                                        std::int64_t rows, float inverse_hidden, float eps) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  namespace cg = cooperative_groups;
  extern __shared__ unsigned char half_row_bytes[];
  auto* half_row = reinterpret_cast<Pack<T, N>*>(half_row_bytes);
  __shared__ float half_sum;
  const cg::cluster_group cluster = cg::this_cluster();
  const unsigned rank = cluster.block_rank();
  const std::int64_t half = packs_per_row / 2;
  const auto* weight_packs = reinterpret_cast<const Pack<T, N>*>(weight) + rank * half;
  for (std::int64_t row = blockIdx.x / 2; row < rows; row += gridDim.x / 2) {
    const std::int64_t first = row * packs_per_row + rank * half;
    const auto* x = reinterpret_cast<const Pack<T, N>*>(in) + first;
    auto* y = reinterpret_cast<Pack<T, N>*>(out) + first;
    float sum = 0.0F;
    for (std::int64_t i = threadIdx.x; i < half; i += blockDim.x) {
      const Pack<T, N> pack = x[i];
      half_row[i] = pack;
#pragma unroll
      for (int k = 0; k < N; ++k) {
        const float value = cuda::to_float(pack.value[k]);
        sum += value * value;
      }
    }
    const float own = block_sum(sum);
    if (threadIdx.x == 0) half_sum = own;
    cluster.sync();
    const float other = *cluster.map_shared_rank(&half_sum, rank ^ 1U);
    const float scale = rsqrtf((own + other) * inverse_hidden + eps);
    for (std::int64_t i = threadIdx.x; i < half; i += blockDim.x) {
      Pack<T, N> pack = half_row[i];
      const Pack<T, N> w = weight_packs[i];
#pragma unroll
      for (int k = 0; k < N; ++k) {
        pack.value[k] = cuda::from_float<T>(cuda::to_float(w.value[k]) *
                                            (cuda::to_float(pack.value[k]) * scale));
      }
      y[i] = pack;
    }
    // The other block has read half_sum, and this block's half row may be overwritten.
    cluster.sync();
  }
#endif
}

// Queues the cluster kernel when the device has clusters (sm_90+) and the row splits in two
// halves of whole packs that fit the opt-in shared memory; false: use the one-block kernel.
template <typename T, int N>
bool launch_cluster(const T* in, const T* weight, T* out, std::int64_t packs, std::int64_t rows,
                    float inverse_hidden, float eps, cudaStream_t stream) {
  const std::int64_t half_bytes = packs / 2 * N * static_cast<std::int64_t>(sizeof(T));
  int device = 0;
  int major = 0;
  int optin_bytes = 0;
  if (packs % 2 != 0 || cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess ||
      major < 9 ||
      cudaDeviceGetAttribute(&optin_bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) !=
          cudaSuccess ||
      half_bytes + kReductionBytes > optin_bytes ||
      cudaFuncSetAttribute(rms_norm_cluster_kernel<T, N>,
                           cudaFuncAttributeMaxDynamicSharedMemorySize,
                           static_cast<int>(half_bytes)) != cudaSuccess) {
    return false;
  }
  // 1024 threads while each has at least four packs of its half row, else 512 (H100: 89% and
  // 85% of a copy for a 128 KiB float32 row).
  const unsigned threads = packs / 2 >= 4 * kMaxThreads ? kMaxThreads : kMaxThreads / 2;
  constexpr std::int64_t kMaxRowsInFlight = std::int64_t{1} << 19;
  cudaLaunchConfig_t config{};
  config.gridDim =
      dim3(static_cast<unsigned>(2 * (rows < kMaxRowsInFlight ? rows : kMaxRowsInFlight)));
  config.blockDim = dim3(threads);
  config.dynamicSmemBytes = static_cast<std::size_t>(half_bytes);
  config.stream = stream;
  cudaLaunchAttribute cluster{};
  cluster.id = cudaLaunchAttributeClusterDimension;
  cluster.val.clusterDim.x = 2;
  cluster.val.clusterDim.y = 1;
  cluster.val.clusterDim.z = 1;
  config.attrs = &cluster;
  config.numAttrs = 1;
  if (cudaLaunchKernelEx(&config, rms_norm_cluster_kernel<T, N>, in, weight, out, packs, rows,
                         inverse_hidden, eps) != cudaSuccess) {
    (void)cudaGetLastError();  // not sticky: the one-block kernel runs instead
    return false;
  }
  return true;
}

template <typename T, int N>
void launch(const T* in, const T* weight, T* out, std::int64_t hidden, float eps, std::int64_t rows,
            cudaStream_t stream) {
  const std::int64_t packs = hidden / N;
  const std::int64_t row_bytes = hidden * static_cast<std::int64_t>(sizeof(T));
  // Rows up to kMaxCachedRowBytes get at most kShortRowThreads: two or more packs per thread and
  // twice the blocks per SM, so more rows' loads are in flight while a block reduces (H100,
  // 16-bit 8192 x 8192: 82% -> 87-91% of a device copy). Longer rows keep up to kMaxThreads,
  // since their cached row already limits the blocks per SM (16-bit 32768-wide: 83% vs 77%).
  const std::int64_t max_threads =
      row_bytes <= kMaxCachedRowBytes ? kShortRowThreads : std::int64_t{kMaxThreads};
  std::int64_t threads = (packs + kWarp - 1) / kWarp * kWarp;
  if (threads > max_threads) threads = max_threads;
  if (threads < 4 * kWarp) threads = 4 * kWarp;
  constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;
  const auto grid = static_cast<unsigned>(rows < kMaxGrid ? rows : kMaxGrid);
  const float inverse_hidden = 1.0F / static_cast<float>(hidden);
  if (row_bytes > kClusterRowBytes &&
      launch_cluster<T, N>(in, weight, out, packs, rows, inverse_hidden, eps, stream)) {
    return;
  }
  bool cache_row = row_bytes <= kMaxCachedRowBytes;
  if (!cache_row) {
    int device = 0;
    int optin_bytes = 0;
    if (cudaGetDevice(&device) == cudaSuccess &&
        cudaDeviceGetAttribute(&optin_bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) ==
            cudaSuccess &&
        row_bytes + kReductionBytes <= optin_bytes) {
      cache_row = row_bytes <= kDefaultSharedBytes - kReductionBytes ||
                  cudaFuncSetAttribute(rms_norm_kernel<T, N, true>,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(row_bytes)) == cudaSuccess;
    }
  }
  if (cache_row) {
    rms_norm_kernel<T, N, true>
        <<<grid, static_cast<unsigned>(threads), static_cast<std::size_t>(row_bytes), stream>>>(
            in, weight, out, packs, rows, inverse_hidden, eps);
  } else {
    rms_norm_kernel<T, N, false><<<grid, static_cast<unsigned>(threads), 0, stream>>>(
        in, weight, out, packs, rows, inverse_hidden, eps);
  }
}

// Both sums of the backward in one reduction: (sum of x^2, sum of g * w * x) over the block.
__device__ __forceinline__ float2 block_sum2(float2 value) {
  __shared__ float2 partial[kMaxThreads / kWarp];
  __shared__ float2 total;
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    value.x += __shfl_xor_sync(0xFFFFFFFFU, value.x, offset);
    value.y += __shfl_xor_sync(0xFFFFFFFFU, value.y, offset);
  }
  const int warp = static_cast<int>(threadIdx.x) / kWarp;
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  if (lane == 0) partial[warp] = value;
  __syncthreads();
  if (warp == 0) {
    const int warps = static_cast<int>(blockDim.x) / kWarp;
    value = lane < warps ? partial[lane] : make_float2(0.0F, 0.0F);
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
      value.x += __shfl_xor_sync(0xFFFFFFFFU, value.x, offset);
      value.y += __shfl_xor_sync(0xFFFFFFFFU, value.y, offset);
    }
    if (lane == 0) total = value;
  }
  __syncthreads();
  return total;
}

// grad_in, one block per row as in the forward: the two sums, then one pass that writes the row.
// The row's scale goes to row_scale for the grad_weight kernel. The second pass reads the row
// again (mostly from L2); no row cache, the backward is not the hot path of these samples.
template <typename T, int N>
__global__ void rms_norm_backward_kernel(const T* __restrict__ grad, const T* __restrict__ in,
                                         const T* __restrict__ weight, T* __restrict__ grad_in,
                                         float* __restrict__ row_scale, std::int64_t packs_per_row,
                                         std::int64_t rows, float inverse_hidden, float eps) {
  const auto* weight_packs = reinterpret_cast<const Pack<T, N>*>(weight);
  for (std::int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const auto* g = reinterpret_cast<const Pack<T, N>*>(grad) + row * packs_per_row;
    const auto* x = reinterpret_cast<const Pack<T, N>*>(in) + row * packs_per_row;
    auto* dx = reinterpret_cast<Pack<T, N>*>(grad_in) + row * packs_per_row;
    float2 sums = make_float2(0.0F, 0.0F);
    for (std::int64_t i = threadIdx.x; i < packs_per_row; i += blockDim.x) {
      const Pack<T, N> gp = g[i];
      const Pack<T, N> xp = x[i];
      const Pack<T, N> wp = weight_packs[i];
#pragma unroll
      for (int k = 0; k < N; ++k) {
        const float value = cuda::to_float(xp.value[k]);
        sums.x += value * value;
        sums.y += cuda::to_float(gp.value[k]) * cuda::to_float(wp.value[k]) * value;
      }
    }
    const float2 total = block_sum2(sums);
    const float scale = rsqrtf(total.x * inverse_hidden + eps);
    const float correction = total.y * scale * scale * scale * inverse_hidden;
    if (threadIdx.x == 0) row_scale[row] = scale;
    for (std::int64_t i = threadIdx.x; i < packs_per_row; i += blockDim.x) {
      const Pack<T, N> gp = g[i];
      const Pack<T, N> xp = x[i];
      const Pack<T, N> wp = weight_packs[i];
      Pack<T, N> result;
#pragma unroll
      for (int k = 0; k < N; ++k) {
        result.value[k] =
            cuda::from_float<T>(scale * cuda::to_float(gp.value[k]) * cuda::to_float(wp.value[k]) -
                                correction * cuda::to_float(xp.value[k]));
      }
      dx[i] = result;
    }
    // The next row reuses the shared reduction slots.
    __syncthreads();
  }
}

// grad_weight's partial rows: a thread of block (x, y) sums g * x * scale down its columns
// (grid-stride) over the rows of block y, so a warp reads consecutive elements of a row.
// Every element of `partial` is written (zero for a block past the last row).
template <typename T>
__global__ void rms_norm_weight_partial_kernel(const T* __restrict__ grad, const T* __restrict__ in,
                                               const float* __restrict__ row_scale,
                                               float* __restrict__ partial, std::int64_t hidden,
                                               std::int64_t rows, std::int64_t rows_per_block) {
  const std::int64_t begin = static_cast<std::int64_t>(blockIdx.y) * rows_per_block;
  const std::int64_t end = begin + rows_per_block < rows ? begin + rows_per_block : rows;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       col < hidden; col += stride) {
    float sum = 0.0F;
    for (std::int64_t row = begin; row < end; ++row) {
      const std::int64_t index = row * hidden + col;
      sum += cuda::to_float(grad[index]) * cuda::to_float(in[index]) * row_scale[row];
    }
    partial[static_cast<std::int64_t>(blockIdx.y) * hidden + col] = sum;
  }
}

template <typename T, int N>
void launch_backward(const T* grad, const T* in, const T* weight, T* grad_in, float* row_scale,
                     std::int64_t hidden, float eps, std::int64_t rows, cudaStream_t stream) {
  const std::int64_t packs = hidden / N;
  std::int64_t threads = (packs + kWarp - 1) / kWarp * kWarp;
  if (threads > kMaxThreads) threads = kMaxThreads;
  if (threads < 4 * kWarp) threads = 4 * kWarp;
  constexpr std::int64_t kMaxGrid = std::int64_t{1} << 20;
  const auto grid = static_cast<unsigned>(rows < kMaxGrid ? rows : kMaxGrid);
  rms_norm_backward_kernel<T, N><<<grid, static_cast<unsigned>(threads), 0, stream>>>(
      grad, in, weight, grad_in, row_scale, packs, rows, 1.0F / static_cast<float>(hidden), eps);
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

const char* rms_norm_backward_cuda(DType dtype, const void* grad, const void* in,
                                   const void* weight, void* grad_in, float* weight_partial,
                                   float* row_scale, std::int64_t hidden, float eps,
                                   std::int64_t rows, void* stream) {
  auto* cuda_stream = static_cast<cudaStream_t>(stream);
  const std::int64_t blocks = weight_grad_blocks(rows);
  const std::int64_t rows_per_block = (rows + blocks - 1) / blocks;
  cuda::dispatch_dtype(dtype, [&](auto element) {
    using T = decltype(element);
    constexpr int N = cuda::kPackElements<T>;
    const auto* g = static_cast<const T*>(grad);
    const auto* x = static_cast<const T*>(in);
    const auto* w = static_cast<const T*>(weight);
    auto* dx = static_cast<T*>(grad_in);
    if (hidden % N == 0 && cuda::aligned16(grad, in, weight) && cuda::aligned16(grad_in, grad_in)) {
      launch_backward<T, N>(g, x, w, dx, row_scale, hidden, eps, rows, cuda_stream);
    } else {
      launch_backward<T, 1>(g, x, w, dx, row_scale, hidden, eps, rows, cuda_stream);
    }
    constexpr int kColumnThreads = 256;
    const dim3 grid(cuda::grid_for(hidden, kColumnThreads), static_cast<unsigned>(blocks));
    rms_norm_weight_partial_kernel<T><<<grid, kColumnThreads, 0, cuda_stream>>>(
        g, x, row_scale, weight_partial, hidden, rows, rows_per_block);
  });
  return cuda::last_error();
}

}  // namespace kernels_samples
