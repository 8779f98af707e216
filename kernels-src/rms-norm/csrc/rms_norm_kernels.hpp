#pragma once

// RMS normalization's row loops, without Torch types (see common/scalar.hpp). The input and the
// output are contiguous [rows, hidden] tensors, the weight a contiguous [hidden] tensor, all of
// one dtype:
//   out[r, i] = weight[i] * in[r, i] / sqrt(mean_j(in[r, j]^2) + eps)
// computed in float and rounded once (the Llama/T5 RMSNorm of Transformers up to that rounding).
//
// The backward, with r = 1 / sqrt(mean_j(in[r, j]^2) + eps) recomputed per row and g the gradient
// of out:
//   grad_in[r, i]  = r * g[r, i] * weight[i] - in[r, i] * r^3 / hidden * sum_j(g[r, j] * weight[j]
//                    * in[r, j])
//   grad_weight[i] = sum_r(g[r, i] * in[r, i] * r)
// grad_weight is a sum over rows. The loops add each block of rows (weight_grad_blocks) into a
// float row of its own, and the caller sums those rows: no atomics, no lock, and the blocks
// depend only on the shape, not on the number of threads.

#include <cstdint>

#include "scalar.hpp"

namespace kernels_samples {

// Rows [row_begin, row_end).
void rms_norm_cpu(DType dtype, const void* in, const void* weight, void* out, std::int64_t hidden,
                  float eps, std::int64_t row_begin, std::int64_t row_end);

// All `rows` rows on a CUDA device, queued on `stream` (a cudaStream_t). Returns null on success,
// else the CUDA error's text.
const char* rms_norm_cuda(DType dtype, const void* in, const void* weight, void* out,
                          std::int64_t hidden, float eps, std::int64_t rows, void* stream);

// How many float partial rows of grad_weight the backward fills: one per block of at least
// kMinRowsPerBlock rows, at most kMaxBlocks (enough tasks for the CPU's threads and the GPU's SMs,
// few enough that summing them costs little next to reading the gradient).
inline std::int64_t weight_grad_blocks(std::int64_t rows) {
  constexpr std::int64_t kMinRowsPerBlock = 16;
  constexpr std::int64_t kMaxBlocks = 64;
  const std::int64_t blocks = (rows + kMinRowsPerBlock - 1) / kMinRowsPerBlock;
  return blocks < 1 ? 1 : (blocks > kMaxBlocks ? kMaxBlocks : blocks);
}

// The rows of block `block` out of `blocks`: [*row_begin, *row_end).
inline void weight_grad_block_rows(std::int64_t rows, std::int64_t blocks, std::int64_t block,
                                   std::int64_t* row_begin, std::int64_t* row_end) {
  const std::int64_t per_block = (rows + blocks - 1) / blocks;
  *row_begin = block * per_block < rows ? block * per_block : rows;
  *row_end = *row_begin + per_block < rows ? *row_begin + per_block : rows;
}

// Rows [row_begin, row_end) of grad_in, and their share of grad_weight added to the float
// row `weight_partial` ([hidden], which the caller zeroes).
void rms_norm_backward_cpu(DType dtype, const void* grad, const void* in, const void* weight,
                           void* grad_in, float* weight_partial, std::int64_t hidden, float eps,
                           std::int64_t row_begin, std::int64_t row_end);

// All `rows` rows on a CUDA device: grad_in, and weight_partial, a float [blocks, hidden] buffer
// with blocks = weight_grad_blocks(rows) (written, not added to), and `row_scale`, a float [rows]
// scratch buffer. Returns null on success, else the CUDA error's text.
const char* rms_norm_backward_cuda(DType dtype, const void* grad, const void* in,
                                   const void* weight, void* grad_in, float* weight_partial,
                                   float* row_scale, std::int64_t hidden, float eps,
                                   std::int64_t rows, void* stream);

}  // namespace kernels_samples
