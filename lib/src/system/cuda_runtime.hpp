#pragma once

// The version of the CUDA runtime library, for processes without Torch (kernels-spec.md 5.2:
// the reference asks libcudart's cudaRuntimeGetVersion). The library is dlopen'ed and closed
// again; nothing links CUDA.

#include <optional>
#include <string>

namespace kernels::system_detail {

struct CudaRuntimeProbe {
  // The soname that loaded ("libcudart.so.12"); empty when none did.
  std::string library;
  // cudaRuntimeGetVersion's value (12080 for CUDA 12.8); empty when the library did not load or
  // could not tell.
  std::optional<int> version;
};

// Tries libcudart.so, then libcudart.so.13, .12 and .11.0 (libcudart.dylib on macOS).
[[nodiscard]] CudaRuntimeProbe probe_cuda_runtime();

}  // namespace kernels::system_detail
