#pragma once

// The policy data of lib/data/abi/, compiled in by lib/CMakeLists.txt (cmake/EmbedFile.cmake).

#include <cstddef>
#include <string_view>

namespace kernels::abi_data {

extern const char manylinux_policy_json[];
extern const std::size_t manylinux_policy_json_size;
extern const char python_stable_abi_txt[];
extern const std::size_t python_stable_abi_txt_size;

[[nodiscard]] inline std::string_view manylinux_policy_text() {
  return {manylinux_policy_json, manylinux_policy_json_size};
}
[[nodiscard]] inline std::string_view python_stable_abi_text() {
  return {python_stable_abi_txt, python_stable_abi_txt_size};
}

}  // namespace kernels::abi_data
