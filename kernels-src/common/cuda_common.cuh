#pragma once

// Shared pieces of the sample kernels' CUDA sources (no Torch): the element types, float
// conversion, 16-byte packs for vectorized loads and stores, and launch helpers.

#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "scalar.hpp"

namespace kernels_samples::cuda {

__device__ __forceinline__ float to_float(float value) {
  return value;
}
__device__ __forceinline__ float to_float(__half value) {
  return __half2float(value);
}
__device__ __forceinline__ float to_float(__nv_bfloat16 value) {
  return __bfloat162float(value);
}

template <typename T>
__device__ __forceinline__ T from_float(float value);
template <>
__device__ __forceinline__ float from_float<float>(float value) {
  return value;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float value) {
  return __float2half_rn(value);
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float value) {
  return __float2bfloat16_rn(value);
}

// N elements loaded or stored with one instruction (16 bytes when N * sizeof(T) == 16).
template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T value[N];
};

template <typename T>
inline constexpr int kPackElements = 16 / static_cast<int>(sizeof(T));

// True when every pointer is aligned for 16-byte packs.
inline bool aligned16(const void* a, const void* b, const void* c = nullptr) {
  const auto bits = reinterpret_cast<std::uintptr_t>(a) | reinterpret_cast<std::uintptr_t>(b) |
                    reinterpret_cast<std::uintptr_t>(c);
  return bits % 16 == 0;
}

// Grid size for a grid-stride loop over `work` items: enough blocks to cover the work once, capped
// so the grid stays within limits (the loop covers the rest).
inline unsigned grid_for(std::int64_t work, int threads) {
  constexpr std::int64_t kMaxBlocks = std::int64_t{1} << 20;
  std::int64_t blocks = (work + threads - 1) / threads;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  if (blocks < 1) blocks = 1;
  return static_cast<unsigned>(blocks);
}

inline const char* last_error() {
  const cudaError_t error = cudaGetLastError();
  return error == cudaSuccess ? nullptr : cudaGetErrorString(error);
}

// Calls fn(T{}) with T the CUDA element type of dtype.
template <typename Fn>
void dispatch_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::float32:
      fn(float{});
      return;
    case DType::float16:
      fn(__half{});
      return;
    case DType::bfloat16:
      fn(__nv_bfloat16{});
      return;
  }
}

}  // namespace kernels_samples::cuda
