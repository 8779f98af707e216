#pragma once

// The compute capability of the current CUDA device (major*10+minor), asked from the CUDA
// runtime that the process's libtorch already loaded: kernels::torch links only Torch's CPU
// libraries, so that it builds and runs without a CUDA toolkit.

#include <optional>

namespace kernels::torch::detail {

// Nothing when no CUDA runtime is loaded or no device answers.
[[nodiscard]] std::optional<int> current_cuda_capability();

}  // namespace kernels::torch::detail
