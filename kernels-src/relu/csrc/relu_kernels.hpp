#pragma once

// relu's element loops, without Torch types (see common/scalar.hpp). Pointers are to contiguous
// tensors of `dtype`; ranges are element indices.

#include <cstdint>

#include "scalar.hpp"

namespace kernels_samples {

// out[i] = max(in[i], 0) for i in [begin, end), NaN propagated as torch.relu does.
void relu_cpu(DType dtype, const void* in, void* out, std::int64_t begin, std::int64_t end);

// The same on a CUDA device for i in [0, n), queued on `stream` (a cudaStream_t). Returns null on
// success, else the CUDA error's text.
const char* relu_cuda(DType dtype, const void* in, void* out, std::int64_t n, void* stream);

}  // namespace kernels_samples
