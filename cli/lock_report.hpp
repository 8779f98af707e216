#pragma once

// What `kernels lock`, `kernels add` and `kernels remove` report about a lock: the --json object
// and the text summary.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "kernels/ops/lock.hpp"

#include "output.hpp"

namespace kernels::cli {

// {"lockfile", "format", "up_to_date", "written", "changes": [...], "warnings": [...]}.
[[nodiscard]] nlohmann::json lock_outcome_json(const LockOutcome& outcome,
                                               const std::filesystem::path& lockfile, bool written);

// "Wrote kernels.lock (2 kernels, 1 kept as locked)" (or "Up to date: ..."), then one line per
// change.
void print_lock_summary(const Output& out, const LockOutcome& outcome,
                        const std::filesystem::path& lockfile);

// The warnings of a lock on stderr ("warning: You are using version 1 of ...").
void print_lock_warnings(const Output& out, const LockOutcome& outcome);

// What `kernels lock --check` and `kernels check --lock` say: "<path> is up to date", or the
// changes a lock would make (notes) and the exit-3 error that names the fix.
[[nodiscard]] Result<void> report_lock_currency(const Output& out, const LockOutcome& outcome,
                                                const std::filesystem::path& path);

}  // namespace kernels::cli
