#pragma once

// Repo id checks of the mirror layer: every repo id that comes from a URL, the command line or a
// folder name is checked before it becomes part of a path.

#include <string_view>

#include "kernels/error.hpp"

namespace kernels::mirror::detail {

// A whole repo id "org/name": validate_repo_id (kernels/model/repo_id.hpp), the Hub's rules.
[[nodiscard]] Result<void> check_repo_id(std::string_view repo_id);

// One part of a repo id (the organization or the name): 1 to 96 characters of [A-Za-z0-9._-],
// not starting or ending with '-' or '.', without "--" or "..". `what` names the part in the error.
[[nodiscard]] Result<void> check_repo_id_part(std::string_view part, std::string_view what);

}  // namespace kernels::mirror::detail
