#pragma once

// The Hub's repo types that kernels live in, for every layer that names one (the Hub client, the
// cache's kernels--/models-- folders, the mirror's repo.json). `kernel` is the type of kernel
// repos since the reference tool 0.14 (huggingface_hub 1.10); older kernels were published as
// `model` repos, and older Hub mirrors know only models (DESIGN.md promise 5: kernel first, model
// as the fallback).

#include <string_view>

#include "kernels/error.hpp"

namespace kernels {

enum class RepoType { kernel, model };

// "kernel" or "model".
[[nodiscard]] std::string_view to_string(RepoType type);

// "kernel" or "model"; anything else is invalid_input.
[[nodiscard]] Result<RepoType> parse_repo_type(std::string_view text);

}  // namespace kernels
