#include "kernel_library.hpp"

#include <algorithm>
#include <system_error>
#include <vector>

#include <dlfcn.h>

#include "kernels/system/torch_files.hpp"

namespace kernels::loader_detail {
namespace {

bool is_shared_object(const std::filesystem::path& path) {
  const auto extension = path.extension();
  return extension == ".so" || extension == ".dylib";
}

// Shared objects in the folder and one level below it (the package folder of older layouts).
std::vector<std::filesystem::path> shared_objects(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_directory(error)) {
      if (entry.path().filename() == "__pycache__") continue;
      for (const auto& inner : std::filesystem::directory_iterator(entry.path(), error)) {
        if (is_shared_object(inner.path()) && !inner.is_directory(error))
          found.push_back(inner.path());
      }
    } else if (is_shared_object(entry.path())) {
      found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The shared objects among a verified variant's files, as shared_objects() would find them in
// its folder: at the top or one package folder down.
std::vector<std::filesystem::path> shared_objects_in(const std::filesystem::path& dir,
                                                     const std::string& prefix,
                                                     const std::vector<std::string>& repo_files) {
  std::vector<std::filesystem::path> found;
  for (const std::string& file : repo_files) {
    if (!file.starts_with(prefix)) continue;
    const std::string relative = file.substr(prefix.size());
    const auto depth = std::count(relative.begin(), relative.end(), '/');
    if (depth > 1 || relative.starts_with("__pycache__/")) continue;
    const std::filesystem::path path = dir / relative;
    if (is_shared_object(path)) found.push_back(path);
  }
  std::sort(found.begin(), found.end());
  return found;
}

// "_relu_cpu_1a2b.abi3.so" -> "_relu_cpu_1a2b".
std::string library_stem(const std::filesystem::path& library) {
  std::string name = library.filename().string();
  return name.substr(0, name.find('.'));
}

}  // namespace

Result<std::filesystem::path> find_kernel_library(const std::filesystem::path& variant_dir,
                                                  const std::optional<KernelMetadata>& metadata) {
  return choose_kernel_library(variant_dir, shared_objects(variant_dir), metadata);
}

Result<std::filesystem::path> choose_kernel_library(
    const std::filesystem::path& variant_dir, const std::vector<std::filesystem::path>& candidates,
    const std::optional<KernelMetadata>& metadata) {
  if (metadata && !metadata->id.empty()) {
    for (const auto& candidate : candidates) {
      const std::string stem = library_stem(candidate);
      if (stem == metadata->id || stem == "_" + metadata->id) return candidate;
    }
  }
  if (candidates.size() == 1) return candidates.front();
  if (candidates.empty()) {
    return fail(ErrorCode::not_found,
                variant_dir.string() +
                    " holds no shared object (*.so): this variant has no compiled code to load");
  }
  std::string names;
  for (const auto& candidate : candidates)
    names += (names.empty() ? "" : ", ") + candidate.filename().string();
  return fail(ErrorCode::invalid_input, variant_dir.string() + " holds several shared objects (" +
                                            names + ") and metadata.json's id names none of them");
}

Result<void> check_layer_table(const kernels_layer_table& table, const LoadedKernelInfo& info,
                               const SystemInfo& system) {
  const std::string where = info.library.string();
  if (table.version != KERNELS_LAYER_TABLE_VERSION) {
    return fail(ErrorCode::invalid_input,
                where + ": layer table version " + std::to_string(table.version) +
                    ", this loader reads version " + std::to_string(KERNELS_LAYER_TABLE_VERSION) +
                    "; use a kernels loader of the same release as the kernel's build");
  }
  if (table.layer_size < sizeof(kernels_layer) ||
      (table.layer_count > 0 && table.layers == nullptr)) {
    return fail(ErrorCode::invalid_input, where + ": malformed layer table (entry size " +
                                              std::to_string(table.layer_size) + ")");
  }
  const std::string kernel_id = table.kernel_id == nullptr ? "" : table.kernel_id;
  if (info.metadata && kernel_id != info.metadata->id) {
    return fail(ErrorCode::invalid_input, where + ": the layer table is for kernel id `" +
                                              kernel_id + "` but metadata.json says `" +
                                              info.metadata->id + "`");
  }
  // The forward pointers pass at::Tensor by reference: only the same libtorch may call them.
  if (system.torch_version && table.torch_version != nullptr) {
    auto built = parse_torch_major_minor(table.torch_version);
    if (!built || *built != *system.torch_version) {
      return fail(ErrorCode::invalid_input,
                  where + ": built for Torch " + std::string(table.torch_version) +
                      " but this process runs Torch " + to_string(*system.torch_version) +
                      "; lock and download a variant for this Torch");
    }
  }
  if (system.torch_cxx11_abi && (table.cxx11_abi != 0) != *system.torch_cxx11_abi) {
    return fail(ErrorCode::invalid_input,
                where + ": built with the " + (table.cxx11_abi != 0 ? "C++11" : "pre-C++11") +
                    " string ABI, which this process's libtorch does not use");
  }
  return {};
}

Result<std::shared_ptr<const Kernel>> open_kernel(LoadedKernelInfo info, const SystemInfo& system,
                                                  const std::vector<std::string>* repo_files) {
  const std::string prefix = "build/" + info.variant + "/";
  const auto metadata_path = info.directory / "metadata.json";
  bool has_metadata = false;
  if (repo_files != nullptr) {
    has_metadata = std::find(repo_files->begin(), repo_files->end(), prefix + "metadata.json") !=
                   repo_files->end();
  } else {
    std::error_code error;
    has_metadata = std::filesystem::exists(metadata_path, error);
  }
  if (has_metadata) {
    auto metadata = read_metadata(metadata_path);
    if (!metadata) return tl::unexpected(metadata.error());
    info.metadata = std::move(*metadata);
  }
  auto library = repo_files != nullptr
                     ? choose_kernel_library(info.directory,
                                             shared_objects_in(info.directory, prefix, *repo_files),
                                             info.metadata)
                     : find_kernel_library(info.directory, info.metadata);
  if (!library) return tl::unexpected(library.error());
  info.library = *library;
  info.ops_namespace = info.metadata ? info.metadata->id : library_stem(*library);

  // RTLD_LOCAL: two kernels may define the same internal symbols. RTLD_NOW: a missing symbol
  // (another libtorch) fails here, not in the middle of a training step.
  void* handle = dlopen(info.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    return fail(ErrorCode::failure,
                "cannot load " + info.library.string() + ": " +
                    (reason != nullptr ? reason : "unknown error") +
                    " (a kernel needs the libtorch it was built for loaded in the process: link "
                    "the program with it)");
  }
  const kernels_layer_table* table = nullptr;
  if (void* symbol = dlsym(handle, KERNELS_LAYER_TABLE_SYMBOL); symbol != nullptr) {
    const auto table_fn = reinterpret_cast<kernels_layer_table_v1_fn>(symbol);
    table = table_fn();
    if (table == nullptr) {
      return fail(ErrorCode::invalid_input,
                  info.library.string() + ": " KERNELS_LAYER_TABLE_SYMBOL "() returned no table");
    }
    if (auto checked = check_layer_table(*table, info, system); !checked) {
      return tl::unexpected(checked.error());
    }
  }
  return std::make_shared<const Kernel>(std::move(info), handle, table);
}

}  // namespace kernels::loader_detail
