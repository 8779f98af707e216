#include "process_torch.hpp"

#include <string_view>

#include <dlfcn.h>
#include <link.h>

namespace kernels::loader_detail {
namespace {

// libc10 is loaded by every libtorch program; libtorch_cpu by every one that runs an op.
bool is_torch_library(std::string_view file_name) {
  return file_name.starts_with("libc10.so") || file_name.starts_with("libtorch_cpu.so");
}

int visit_object(dl_phdr_info* info, std::size_t /*size*/, void* data) {
  if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
  // A string_view per loaded object, a path only for the one that matters: a training process
  // has a hundred libraries loaded.
  const std::string_view name = info->dlpi_name;
  const auto slash = name.rfind('/');
  if (!is_torch_library(slash == std::string_view::npos ? name : name.substr(slash + 1))) return 0;
  const std::filesystem::path path(name);
  auto* found = static_cast<std::optional<std::filesystem::path>*>(data);
  // A library installed through a link (a distribution's libtorch) lives where the link points;
  // only then is the path resolved (one lstat instead of a readlink per component).
  std::error_code error;
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, error))) {
    const auto resolved = std::filesystem::weakly_canonical(path, error);
    *found = (error ? path : resolved).parent_path().parent_path();
  } else {
    *found = path.parent_path().parent_path();
  }
  return 1;  // stop
}

}  // namespace

std::optional<std::filesystem::path> loaded_torch_directory() {
  std::optional<std::filesystem::path> found;
  dl_iterate_phdr(&visit_object, &found);
  return found;
}

std::optional<bool> loaded_torch_cxx11_abi(const std::filesystem::path& torch_directory) {
  // c10::detail::torchCheckFail(const char*, const char*, unsigned, const std::string&), present
  // in every libc10 (TORCH_CHECK's failure path), in both manglings.
  constexpr const char* kNewAbi =
      "_ZN3c106detail14torchCheckFailEPKcS2_jRKNSt7__cxx1112basic_stringIcSt11char_"
      "traitsIcESaIcEEE";
  constexpr const char* kOldAbi = "_ZN3c106detail14torchCheckFailEPKcS2_jRKSs";
  // RTLD_NOLOAD: the libc10 already loaded (also when it sits in a local scope, as under Python).
  const auto c10 = torch_directory / "lib" / "libc10.so";
  void* library = dlopen(c10.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (library == nullptr) return std::nullopt;
  std::optional<bool> abi;
  if (dlsym(library, kNewAbi) != nullptr) {
    abi = true;
  } else if (dlsym(library, kOldAbi) != nullptr) {
    abi = false;
  }
  dlclose(library);  // drops the reference RTLD_NOLOAD took
  return abi;
}

}  // namespace kernels::loader_detail
