#include "lock_report.hpp"

#include <string>

namespace kernels::cli {
namespace {

const char* change_kind(LockChange::Kind kind) {
  switch (kind) {
    case LockChange::Kind::added:
      return "added";
    case LockChange::Kind::removed:
      return "removed";
    case LockChange::Kind::updated:
      return "updated";
    case LockChange::Kind::unchanged:
      return "unchanged";
  }
  return "unchanged";
}

}  // namespace

nlohmann::json lock_outcome_json(const LockOutcome& outcome, const std::filesystem::path& lockfile,
                                 bool written) {
  nlohmann::json changes = nlohmann::json::array();
  for (const LockChange& change : outcome.changes) {
    changes.push_back({{"repo_id", change.repo_id},
                       {"change", change_kind(change.kind)},
                       {"old_sha", change.old_sha},
                       {"new_sha", change.new_sha},
                       {"kept_without_network", change.kept_without_network}});
  }
  return nlohmann::json{
      {"lockfile", lockfile.string()},
      {"format", outcome.lockfile.format == LockFormat::variant_hashes ? "hashes" : "commits"},
      {"up_to_date", outcome.up_to_date()},
      {"written", written},
      {"changes", std::move(changes)},
      {"warnings", outcome.warnings}};
}

void print_lock_summary(const Output& out, const LockOutcome& outcome,
                        const std::filesystem::path& lockfile) {
  std::size_t kept = 0;
  for (const LockChange& change : outcome.changes)
    kept += change.kept_without_network ? 1U : 0U;
  out.line((outcome.up_to_date() ? "Up to date: " : "Wrote ") + lockfile.string() + " (" +
           std::to_string(outcome.lockfile.kernels.size()) +
           (outcome.lockfile.kernels.size() == 1 ? " kernel, " : " kernels, ") +
           std::to_string(kept) + " kept as locked)");
  for (const std::string& line : describe_lock_changes(outcome))
    out.line("  " + line);
}

void print_lock_warnings(const Output& out, const LockOutcome& outcome) {
  for (const std::string& warning : outcome.warnings)
    out.note("warning: " + warning);
}

Result<void> report_lock_currency(const Output& out, const LockOutcome& outcome,
                                  const std::filesystem::path& path) {
  if (outcome.up_to_date()) {
    out.line(path.string() + " is up to date");
    return {};
  }
  for (const std::string& line : describe_lock_changes(outcome))
    out.note(line);
  return fail(
      ErrorCode::lock_out_of_date,
      path.string() +
          " is out of date with the project's dependencies; run `kernels lock` to update it");
}

}  // namespace kernels::cli
