#pragma once

// The Torch this process runs: found from the libtorch shared objects already loaded into it
// (a program linked with libtorch, or Python with torch imported), so that the variant chosen
// is the one built for that very libtorch.

#include <filesystem>
#include <optional>

namespace kernels::loader_detail {

// The folder holding the loaded libc10 / libtorch_cpu (…/torch/lib or …/libtorch/lib)'s parent:
// a torch package folder (version.py) or a libtorch folder (build-version). Nothing when no
// libtorch is loaded.
[[nodiscard]] std::optional<std::filesystem::path> loaded_torch_directory();

// Whether the loaded libc10 uses the C++11 string ABI: it exports c10::detail::torchCheckFail
// with a std::__cxx11::basic_string argument, or with the old std::string. Nothing when neither
// symbol is there. `torch_directory` is loaded_torch_directory()'s answer.
[[nodiscard]] std::optional<bool> loaded_torch_cxx11_abi(
    const std::filesystem::path& torch_directory);

}  // namespace kernels::loader_detail
