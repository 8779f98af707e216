#pragma once

// The gated activations' row loops, without Torch types (see common/scalar.hpp). The input is a
// contiguous [rows, 2 * d] tensor, the output a contiguous [rows, d] tensor of the same dtype:
//   out[r, i] = act(in[r, i]) * in[r, d + i]
// computed in float and rounded once.
//
// The backward takes the gradient of out (g, [rows, d]) and writes the gradient of in
// ([rows, 2 * d]), with a = in[r, i] and b = in[r, d + i]:
//   grad_in[r, i] = g[r, i] * b * act'(a)      grad_in[r, d + i] = g[r, i] * act(a)
// silu'(a) = s * (1 + a * (1 - s)) with s = sigmoid(a); gelu'(a) = Phi(a) + a * phi(a), Phi and phi
// the standard normal's distribution and density (the exact GELU's derivative).

#include <cstdint>

#include "scalar.hpp"

namespace kernels_samples {

enum class Activation : std::uint8_t { silu, gelu };

// Rows [row_begin, row_end).
void act_and_mul_cpu(Activation activation, DType dtype, const void* in, void* out, std::int64_t d,
                     std::int64_t row_begin, std::int64_t row_end);

// All `rows` rows on a CUDA device, queued on `stream` (a cudaStream_t). Returns null on success,
// else the CUDA error's text.
const char* act_and_mul_cuda(Activation activation, DType dtype, const void* in, void* out,
                             std::int64_t d, std::int64_t rows, void* stream);

// The backward of rows [row_begin, row_end).
void act_and_mul_backward_cpu(Activation activation, DType dtype, const void* grad, const void* in,
                              void* grad_in, std::int64_t d, std::int64_t row_begin,
                              std::int64_t row_end);

// The backward of all `rows` rows on a CUDA device, queued on `stream`. Returns null on success,
// else the CUDA error's text.
const char* act_and_mul_backward_cuda(Activation activation, DType dtype, const void* grad,
                                      const void* in, void* grad_in, std::int64_t d,
                                      std::int64_t rows, void* stream);

}  // namespace kernels_samples
