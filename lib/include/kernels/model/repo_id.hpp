#pragma once

#include <cstddef>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels {

// The Hub's limit on the length of a whole repo id ("org/name").
inline constexpr std::size_t kMaxRepoIdLength = 96;

// Checks a Hub repo id as the Hub itself would: exactly one `/` between a non-empty namespace and
// name, each made of [A-Za-z0-9._-], neither starting nor ending with `-` or `.`, no `--` or `..`
// anywhere (the cache folder `kernels--org--name` relies on that), no `.git` suffix, at most
// kMaxRepoIdLength characters. The error (ErrorCode::invalid_input, no location: the caller knows
// where the id came from) says what is wrong with it.
[[nodiscard]] Result<void> validate_repo_id(std::string_view repo_id);

// Checks a revision typed by a user or read from a config: a branch, tag or commit sha. It must be
// non-empty and free of whitespace and control characters (it ends up in URLs and folder names);
// anything else is left to the Hub to resolve.
[[nodiscard]] Result<void> validate_revision(std::string_view revision);

}  // namespace kernels
