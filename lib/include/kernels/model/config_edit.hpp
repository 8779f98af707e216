#pragma once

// Editing the dependency table of a pyproject.toml or kernels.toml as text, for `kernels add` and
// `kernels remove`: one line is added, one value replaced in place, or one line deleted, and every
// other byte of the file stays as it was (comments, order, spacing, quoting, CRLF line ends).
//
// The table must be written the plain way, one `"org/name" = ...` line per kernel under a
// [tool.kernels.dependencies] (pyproject.toml) or [dependencies] (kernels.toml) header. Other
// forms that TOML allows (an inline table `dependencies = { ... }`, dotted keys such as
// `tool.kernels.dependencies."org/name" = 1` or `"org/name".version = 1`, a sub-table
// `[tool.kernels.dependencies."org/name"]`) are refused with an error that says how to rewrite
// them, and so is a value that spans lines.
//
// Every edit is checked by parsing its result with parse_project_config: the dependencies must be
// exactly the ones intended, else the edit fails (ErrorCode::failure) and nothing is returned.

#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/model/dependency.hpp"
#include "kernels/model/project_config.hpp"

namespace kernels {

enum class DependencyChange {
  added,      // a new line
  updated,    // an existing dependency's value was replaced
  unchanged,  // the dependency already had this requirement; the text is the same
  removed,    // the dependency's line was deleted
};

// "added", "updated", "unchanged", "removed".
[[nodiscard]] std::string_view to_string(DependencyChange change);

struct ConfigEdit {
  std::string text;  // the whole file after the edit
  DependencyChange change = DependencyChange::unchanged;
  std::optional<Requirement> previous;  // the requirement before: updated, unchanged, removed
  bool created_table = false;           // the dependency table did not exist and was added
};

// A requirement as the TOML value the config holds: `1`, `">=2.0,<3.0"`, `{ revision = "abc" }`.
[[nodiscard]] std::string toml_requirement_value(const Requirement& requirement);

// Adds `dependency` to the dependency table of `text`, or replaces the value of an existing entry
// in place (keeping the key as written and a comment after the value). A new entry goes after the
// table's last entry, with that entry's indentation. A missing table is created: in
// pyproject.toml after an existing [tool.kernels] table, else at the end of the file, after a
// blank line. `file_name` is for error locations. Errors: the text does not parse as a project
// config (parse_project_config's error), the table is written in a form this does not edit
// (ErrorCode::invalid_input, at file:line, saying how to rewrite it), the check of the result.
[[nodiscard]] Result<ConfigEdit> set_dependency(std::string_view text, ConfigFormat format,
                                                std::string_view file_name,
                                                const Dependency& dependency);

// Deletes the line of `repo_id` from the dependency table of `text` (the table stays, even when it
// becomes empty). A repo that is not a dependency is ErrorCode::not_found, naming the repo and the
// dependencies there are. Other errors as set_dependency.
[[nodiscard]] Result<ConfigEdit> remove_dependency(std::string_view text, ConfigFormat format,
                                                   std::string_view file_name,
                                                   std::string_view repo_id);

}  // namespace kernels
