#include "system/cuda_runtime.hpp"

#include <array>
#include <string_view>

#include <dlfcn.h>

namespace kernels::system_detail {
namespace {

#ifdef __APPLE__
constexpr std::array<const char*, 1> kSonames{"libcudart.dylib"};
#else
// The unversioned name first (what a toolkit's devel package or ldconfig provides), then the
// runtimes that current Torch and kernels are built against, newest first.
constexpr std::array<const char*, 4> kSonames{"libcudart.so", "libcudart.so.13", "libcudart.so.12",
                                              "libcudart.so.11.0"};
#endif

// cudaError_t cudaRuntimeGetVersion(int*): cudaSuccess is 0.
using RuntimeGetVersion = int (*)(int*);

// Closes the handle on every path out.
class LibraryHandle {
 public:
  explicit LibraryHandle(void* handle) : handle_(handle) {}
  LibraryHandle(const LibraryHandle&) = delete;
  LibraryHandle& operator=(const LibraryHandle&) = delete;
  ~LibraryHandle() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  [[nodiscard]] void* get() const { return handle_; }

 private:
  void* handle_;
};

}  // namespace

CudaRuntimeProbe probe_cuda_runtime() {
  CudaRuntimeProbe probe;
  for (const char* soname : kSonames) {
    LibraryHandle library(dlopen(soname, RTLD_NOW | RTLD_LOCAL));
    if (library.get() == nullptr) continue;
    probe.library = soname;
    void* symbol = dlsym(library.get(), "cudaRuntimeGetVersion");
    if (symbol == nullptr) return probe;
    // POSIX guarantees that dlsym's object pointer converts to the function's pointer type.
    const auto get_version = reinterpret_cast<RuntimeGetVersion>(symbol);
    int version = 0;
    if (get_version(&version) == 0 && version > 0) probe.version = version;
    return probe;
  }
  return probe;
}

}  // namespace kernels::system_detail
