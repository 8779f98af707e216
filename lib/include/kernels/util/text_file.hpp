#pragma once

// Reading the small text files the tool parses (lockfile, project config, metadata.json), with
// a size limit checked while reading.

#include <cstddef>
#include <filesystem>
#include <string>

#include "kernels/error.hpp"

namespace kernels {

// The whole content of `file`, refusing files over `max_bytes` (ErrorCode::invalid_input) before
// reading them whole. A missing file is ErrorCode::not_found, anything else that stops the read
// ErrorCode::io. Error::location is the path.
[[nodiscard]] Result<std::string> read_text_file(const std::filesystem::path& file,
                                                 std::size_t max_bytes);

// "64 MiB", "512 KiB" or "100 bytes", for size limits in messages.
[[nodiscard]] std::string describe_size(std::size_t bytes);

}  // namespace kernels
