#pragma once

// Paths of files inside a Hub repository ("build/torch28-cpu/relu/__init__.py"), as tree listings,
// resolve URLs and mirror commits carry them. They come from the network or from disk, so they are
// checked before anything uses them as a lookup key or joins them to a folder (DESIGN.md,
// reliability rules).

#include <cstddef>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels {

// Longest repository path accepted (the Hub's own limit is lower; this only bounds the work).
inline constexpr std::size_t kMaxRepoPathLength = 4096;

// Checks a repository-relative file or folder path: non-empty, at most kMaxRepoPathLength bytes,
// valid UTF-8, '/'-separated components none of which is empty, "." or ".."; no leading '/'
// (absolute), no backslash, no NUL or other control character (they would end up in HTTP
// headers and file names). Fails with ErrorCode::invalid_input saying what is wrong; the caller
// adds where the path came from.
[[nodiscard]] Result<void> validate_repo_path(std::string_view path);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

}  // namespace kernels
