#pragma once

// Opening a verified variant folder: its metadata.json, its shared object, and the checks on the
// layer table that must hold before any pointer in it is used (kernels/layer_table.h, checks 1
// and 2).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kernels/loader/kernel.hpp"
#include "kernels/model/system_info.hpp"

namespace kernels::loader_detail {

// The shared object of a variant folder: the one whose name starts with metadata `id` (the Hub
// layout names it `_<id>.so` or `_<id>.abi3.so`), else the only one; searched in the folder and
// its package subfolders.
[[nodiscard]] Result<std::filesystem::path> find_kernel_library(
    const std::filesystem::path& variant_dir, const std::optional<KernelMetadata>& metadata);

// The same choice among `candidates` (the folder's shared objects, sorted).
[[nodiscard]] Result<std::filesystem::path> choose_kernel_library(
    const std::filesystem::path& variant_dir, const std::vector<std::filesystem::path>& candidates,
    const std::optional<KernelMetadata>& metadata);

// Reads metadata.json (when present), loads the library and checks its layer table against the
// metadata and `system` (Torch major.minor and C++ ABI, when known). `info` has the repo,
// commit, variant, folder and verification filled in; the rest is filled here.
// `repo_files` (repository paths, build/<variant>/...) are the variant's files when a
// verification just listed them; without them the folder is listed.
[[nodiscard]] Result<std::shared_ptr<const Kernel>> open_kernel(
    LoadedKernelInfo info, const SystemInfo& system,
    const std::vector<std::string>* repo_files = nullptr);

// The table checks alone (for tests and the C API): version, layer size, kernel id, Torch.
[[nodiscard]] Result<void> check_layer_table(const kernels_layer_table& table,
                                             const LoadedKernelInfo& info,
                                             const SystemInfo& system);

}  // namespace kernels::loader_detail
