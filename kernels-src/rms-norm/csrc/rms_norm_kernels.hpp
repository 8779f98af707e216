#pragma once

// RMS normalization's row loops, without Torch types (see common/scalar.hpp). The input and the
// output are contiguous [rows, hidden] tensors, the weight a contiguous [hidden] tensor, all of
// one dtype:
//   out[r, i] = weight[i] * in[r, i] / sqrt(mean_j(in[r, j]^2) + eps)
// computed in float and rounded once (the Llama/T5 RMSNorm of Transformers up to that rounding).

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

}  // namespace kernels_samples
