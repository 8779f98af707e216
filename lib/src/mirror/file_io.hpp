#pragma once

// Reading files of the mirror directory: small JSON files whole (with a size bound), file
// contents in chunks (constant memory whatever their size).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels::mirror::detail {

// The whole content of `path`, or nothing when it does not exist. Fails with io on any other
// error and with invalid_input when the file is larger than `max_bytes`.
[[nodiscard]] Result<std::optional<std::string>> read_file_if_exists(
    const std::filesystem::path& path, std::uintmax_t max_bytes);

// Calls `consume` with successive chunks (1 MiB at most) of the file's content; stops at the
// first failure of `consume`.
[[nodiscard]] Result<void> for_each_chunk(
    const std::filesystem::path& path,
    const std::function<Result<void>(std::string_view chunk)>& consume);

}  // namespace kernels::mirror::detail
