#include "cuda_capability.hpp"

#include <array>

#include <dlfcn.h>

namespace kernels::torch::detail {
namespace {

// cudaDeviceAttr values of the CUDA runtime API (stable since CUDA 3).
constexpr int kComputeCapabilityMajor = 75;
constexpr int kComputeCapabilityMinor = 76;

using GetDevice = int (*)(int*);
using GetAttribute = int (*)(int*, int, int);

}  // namespace

std::optional<int> current_cuda_capability() {
  // RTLD_NOLOAD: only a runtime that is loaded already (by libtorch_cuda); never load one here.
  constexpr std::array<const char*, 4> kSonames{"libcudart.so.13", "libcudart.so.12",
                                                "libcudart.so.11.0", "libcudart.so"};
  for (const char* soname : kSonames) {
    void* library = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
    if (library == nullptr) continue;
    // POSIX guarantees that dlsym's object pointer converts to the function's pointer type.
    const auto get_device = reinterpret_cast<GetDevice>(dlsym(library, "cudaGetDevice"));
    const auto get_attribute =
        reinterpret_cast<GetAttribute>(dlsym(library, "cudaDeviceGetAttribute"));
    std::optional<int> capability;
    int device = 0;
    int major = 0;
    int minor = 0;
    if (get_device != nullptr && get_attribute != nullptr && get_device(&device) == 0 &&
        get_attribute(&major, kComputeCapabilityMajor, device) == 0 &&
        get_attribute(&minor, kComputeCapabilityMinor, device) == 0) {
      capability = major * 10 + minor;
    }
    dlclose(library);  // drops the reference RTLD_NOLOAD took
    if (capability) return capability;
  }
  return std::nullopt;
}

}  // namespace kernels::torch::detail
