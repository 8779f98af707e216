#pragma once

// `kernels lock`: resolve every dependency of a project against the Hub and produce kernels.lock.
//
// Resolution runs in stages, each one HTTP batch for all the repos that need it, so that locking
// 20 repos costs about the round trips of one (hub_client.hpp):
//   0. the organization overview of every repo's publisher (trust, below),
//   1. kernel-status.toml of every repo on main (a repo may have moved: lock the destination;
//      variant_hashes format only, as kernels <= 0.16 did),
//   2. refs of every repo with a version or specifier requirement (branch v<N>, or the best tag),
//   3. repo info at the chosen revision (the full commit sha),
//   4. the recursive tree at that commit, for the variant hashes (variant_hashes format only),
//   5. the kernel-depends of every variant's metadata.json: a listing of build/ (unless stage 4
//      has the tree) and every metadata.json, in two batches.
// The kernels named in stage 5 form the next level, which runs the same stages; the levels go on
// until no new kernel appears. Kernels are told apart by (repo, requirement), as kernels 0.17
// does: two versions of one repo are two kernels. A cycle is an error (invalid_input).
// * dependency_commits: every kernel is an entry (kernels 0.17's lock, byte for byte); every
//   variant needs a metadata.json (kernels 0.17 fails without one). Unlike kernels 0.17, which
//   writes a revision requirement's text as the commit (and so fails unless it is a full sha),
//   a revision is resolved to its commit.
// * variant_hashes: kernel dependencies are entries after the project's own, breadth-first, with
//   their variant hashes (the loader verifies them); variants without metadata.json are skipped.
//   The format holds one commit per repo: two requirements of one repo that resolve to different
//   commits are an error that suggests the other format.
// Trust: kernels >= 0.14 refuses, while locking, every kernel whose organization's overview does
// not set trustedKernelPublisher, or cannot be read. The dependency_commits format refuses the
// same way (the error names the repo and --trust-remote-code); variant_hashes warns, since the
// tools of that format did not check. LockRequest::trusted / trust_all skip the check.
//
// An existing entry is kept without asking the Hub while its requirement still holds as far as the
// lock and the cache know (cargo and uv do the same): the dependency_commits format records the
// requirement; for the variant_hashes format, the cache's refs/ files (written by each lock) say
// what a branch or tag pointed to. `upgrade` re-resolves. When every project dependency is kept
// and the lock holds nothing else, no request is made at all; when the lock also holds kernel
// dependencies, the graph is walked again (kept entries keep their commits, but their
// metadata.json is read), so `lock --check` of such a project needs the Hub. A lock written
// before kernel-depends were locked, all of whose entries still hold, is kept as it is until
// `--upgrade`.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/lockfile.hpp"
#include "kernels/model/project_config.hpp"

namespace kernels {

class HubClient;

struct LockRequest {
  std::filesystem::path project_dir = ".";
  std::filesystem::path cache_dir;  // where refs/ are recorded and read; empty: not used
  bool upgrade_all = false;
  std::vector<std::string> upgrade;  // repo ids to re-resolve
  // The format of a new kernels.lock (an existing one keeps its format unless this is set).
  std::optional<LockFormat> format;
  // Repos locked even when their organization is not a trusted kernel publisher; trust_all:
  // every repo (the reference's trust_remote_code=True and its allowlist).
  bool trust_all = false;
  std::vector<std::string> trusted;
};

struct LockChange {
  enum class Kind { added, removed, updated, unchanged };
  Kind kind = Kind::unchanged;
  std::string repo_id;
  std::string old_sha;
  std::string new_sha;
  bool kept_without_network = false;
};

// A branch or tag that resolved to a commit, recorded in the cache's refs/ by write_lock.
struct ResolvedRef {
  std::string repo_id;
  bool model_repo = false;  // answered as a model repo (models--org--name in the cache)
  std::string revision;
  std::string commit;
};

struct LockOutcome {
  Lockfile lockfile;
  std::string text;                          // what kernels.lock should contain
  std::optional<std::string> previous_text;  // what it contains now; nullopt: no file
  std::vector<LockChange> changes;           // one per repo, config order, then removed ones
  std::vector<std::string> warnings;       // "You are using version 1 of ..., but 2 is available."
  std::vector<ResolvedRef> resolved_refs;  // for the cache's refs/ (see the top of this file)

  [[nodiscard]] bool up_to_date() const { return previous_text && *previous_text == text; }
};

// Resolves the project's dependencies; writes nothing. Errors: the config or an existing lockfile
// is malformed, a repo or version does not exist (ErrorCode::not_found, with the versions there
// are), the Hub fails. When several dependencies fail, the error names each of them.
[[nodiscard]] Result<LockOutcome> compute_lock(const LockRequest& request, HubClient& hub);

// Writes outcome.text to <project>/kernels.lock atomically (nothing is ever half-written), then
// records outcome.resolved_refs in the cache when request.cache_dir is set.
[[nodiscard]] Result<void> write_lock(const LockRequest& request, const LockOutcome& outcome);

// The lines `kernels lock --check` prints: what differs between the lock on disk and what lock
// would write ("+ org/new", "- org/gone", "~ org/x abc1234 -> def5678").
[[nodiscard]] std::vector<std::string> describe_lock_changes(const LockOutcome& outcome);

}  // namespace kernels
