#pragma once

// Helpers for the CPU inner loops: typed views of the untyped pointers the Torch layer passes in,
// and a dispatch from DType to the element type. The loops themselves are plain counted loops over
// contiguous memory that the compiler vectorizes at -O3 (baseline x86-64 / AArch64 vectors).

#include <cstdint>

#include "scalar.hpp"

namespace kernels_samples {

// Calls fn(T{}) with T the element type of dtype.
template <typename Fn>
void dispatch_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::float32:
      fn(float{});
      return;
    case DType::float16:
      fn(Half{});
      return;
    case DType::bfloat16:
      fn(BFloat16{});
      return;
  }
}

}  // namespace kernels_samples
