#pragma once

// `kernels cache prune`: removes from a Hub-layout cache the (commit, variant)s nobody needs, then
// the blobs no snapshot of any repo folder links to any more.
//
// What goes (only in folders that hold kernels, CachedRepoInfo::holds_kernels; huggingface_hub's
// models in a shared cache are never touched):
//   * a variant (snapshots/<commit>/build/<variant> and its marker) whose (repo, commit) is not
//     in `keep` (when given) and whose last use is before `older_than` (when given); both rules
//     must agree when both are given;
//   * a commit whose variants all go (or that has none and is itself unused): the whole snapshot
//     and its markers folder; a repo left with no commit loses its refs/ and, once its blobs are
//     gone, its folder;
//   * a blob no remaining snapshot link names, under its lock taken without waiting: a blob whose
//     lock is held (a download writing it) is skipped and reported; an unlocked
//     <etag>.incomplete is the leftover of a killed download and goes. While a `kernels download`
//     of the repo runs (it holds the repo's download lock, cache_layout.hpp, shared, from before
//     it publishes a blob until it has linked it) no blob of that repo is removed: they are
//     reported as skipped and left for the next prune;
//   * strays: links where a blob or snapshot folder should be, snapshot links that do not name a
//     blob of their repo. Links are removed, never what they point to; no link is followed.
// Lock files (.locks/) stay: deleting a lock file another process holds would break the
// exclusion. `dry_run` computes the same report and changes nothing (not even a lock file).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/util/time_limit.hpp"

namespace kernels {

struct PruneRequest {
  std::filesystem::path cache_dir;
  // (repo id, commit) pairs that stay, whatever their age; nullopt: no keep rule.
  std::optional<std::set<std::pair<std::string, std::string>>> keep;
  std::optional<SystemTime> older_than;
  bool dry_run = false;
};

enum class PrunedKind { variant, commit, blob, incomplete, stray, repo };

struct PrunedEntry {
  PrunedKind kind = PrunedKind::blob;
  std::string path;
  std::string repo_id;
  std::string commit;       // variant and commit entries
  std::string variant;      // variant entries
  std::uint64_t bytes = 0;  // blob and incomplete entries: the file's size
};

struct PruneSkip {
  std::string path;
  std::string reason;
};

struct PruneReport {
  bool dry_run = false;
  std::vector<PrunedEntry> removed;
  std::vector<PruneSkip> skipped;
  std::uint64_t bytes_freed = 0;  // blobs and .incomplete files removed (or to be)
};

[[nodiscard]] std::string_view pruned_kind_name(PrunedKind kind);

// invalid_input when neither a keep set nor a date is given (that would remove everything).
[[nodiscard]] Result<PruneReport> prune_cache(const PruneRequest& request);

}  // namespace kernels
