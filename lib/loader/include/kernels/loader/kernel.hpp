#pragma once

// A kernel the loader has loaded: which build variant of which locked commit, where it lives, its
// metadata.json and its shared object, whose C++ layer table (kernels/layer_table.h) was checked
// when it was loaded.
//
// A loaded kernel stays loaded for the life of the process: its library registered ops with
// Torch's dispatcher, and unloading it would leave those registrations pointing into freed code.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/layer_table.h"
#include "kernels/loader/export.hpp"
#include "kernels/model/metadata.hpp"

namespace kernels {

// How a kernel's files were checked before it was loaded.
enum class KernelVerification {
  marker,  // the verified marker of `kernels download` still holds (sizes, mtimes, links)
  full,    // every file re-hashed against the lock (or the marker's list, without a lock hash)
  local,   // LOCAL_KERNELS: a development build, not checked
};

// "marker", "full", "local".
[[nodiscard]] KERNELS_LOADER_API std::string_view to_string(KernelVerification verification);

// A layer of the table, as a C++ program uses it.
struct KernelLayer {
  std::string name;
  std::string forward_signature;
  std::uint32_t flags = 0;    // KERNELS_LAYER_* bits
  std::uint32_t devices = 0;  // KERNELS_DEVICE_* bits
  void* forward = nullptr;    // call only through the type the signature names

  [[nodiscard]] bool has(std::uint32_t flag) const { return (flags & flag) == flag; }
};

struct LoadedKernelInfo {
  std::string repo_id;
  std::string commit;                      // the locked commit; empty for LOCAL_KERNELS
  std::string variant;                     // the build variant's name
  std::filesystem::path directory;         // the variant's folder (in the cache's snapshots/)
  std::filesystem::path library;           // the shared object that was loaded
  std::optional<KernelMetadata> metadata;  // metadata.json; older builds have none
  std::string ops_namespace;               // metadata `id`, else the library's name
  KernelVerification verification = KernelVerification::full;
};

class KERNELS_LOADER_API Kernel {
 public:
  Kernel(LoadedKernelInfo info, void* handle, const kernels_layer_table* table);
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;
  ~Kernel() = default;  // never dlclose()d, see above

  [[nodiscard]] const LoadedKernelInfo& info() const { return info_; }
  [[nodiscard]] const std::string& repo_id() const { return info_.repo_id; }
  [[nodiscard]] const std::string& variant() const { return info_.variant; }
  [[nodiscard]] const std::string& ops_namespace() const { return info_.ops_namespace; }

  // dlsym() in the kernel's library; nullptr when there is no such symbol.
  [[nodiscard]] void* symbol(const std::string& name) const;

  // The checked layer table; nullptr when the library exports none (it may still register ops).
  [[nodiscard]] const kernels_layer_table* layer_table() const { return table_; }

  // The table's entry named `name`, unchecked; nullptr when there is no table or no such layer.
  [[nodiscard]] const kernels_layer* find_layer(std::string_view name) const;

  // The names of the table's layers, in the table's order.
  [[nodiscard]] std::vector<std::string> layer_names() const;

  // The layer `name`. not_found when the library has no table or no such layer; invalid_input
  // when `expected_signature` is given and differs from the layer's forward signature (the module
  // and the kernel disagree on the arguments: calling it would be undefined behaviour).
  [[nodiscard]] Result<KernelLayer> layer(std::string_view name,
                                          std::string_view expected_signature = {}) const;

 private:
  LoadedKernelInfo info_;
  void* handle_ = nullptr;
  const kernels_layer_table* table_ = nullptr;
};

}  // namespace kernels
