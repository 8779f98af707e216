#pragma once

// Private to ops/lock: one dependency on its way to a lock entry, and the stages that move all of
// them forward together (one Hub batch per stage).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/hub_client.hpp"
#include "kernels/model/dependency.hpp"
#include "kernels/model/lockfile.hpp"

namespace kernels::detail {

struct PendingLock {
  Dependency dependency;  // repo_id becomes the redirect's destination in stage 1
  RepoRef repo;           // the repo, with the type that answered
  std::string revision;   // what stage 3 asks for: a commit, tag, branch or revision
  std::string cache_ref;  // the branch or tag name to record in the cache ("v1", "v1.2.0")
  std::string sha;        // the full commit, after stage 3
  std::vector<LockedVariant> variants;  // after stage 4 (variant_hashes format)
  // Stage 4 saw the whole tree: the variants with a build/<variant>/metadata.json, in the
  // listing's order, so that reading kernel-depends needs no second listing.
  std::optional<std::vector<std::string>> metadata_variants;
  std::optional<Error> error;  // the first failure; later stages skip this entry
};

// What to do with a repo whose organization is not a trusted kernel publisher.
enum class UntrustedPublisher { refuse, warn };

// Stage 0: the organization overview of every repo's publisher (one request per organization),
// as kernels >= 0.14 checks before it resolves a kernel: an organization without
// `trustedKernelPublisher`, or whose overview cannot be read, is refused (an error on the entry)
// or warned about, unless `trusted(repo_id)` says the user trusts the repo. Offline: skipped.
void check_publishers(std::vector<PendingLock*>& entries, HubClient& hub,
                      const std::function<bool(std::string_view)>& trusted,
                      UntrustedPublisher policy, std::vector<std::string>& warnings);

// Stage 1: follows kernel-status.toml redirects (the repo moved; lock where it went).
void follow_redirects(std::vector<PendingLock*>& pending, HubClient& hub);
// Stage 2: turns version and specifier requirements into a commit through the repo's refs;
// warnings collects "a newer major version is available" notes.
void resolve_versions(std::vector<PendingLock*>& pending, HubClient& hub,
                      std::vector<std::string>& warnings);
// Stage 3: the full commit sha of each remaining revision.
void resolve_commits(std::vector<PendingLock*>& pending, HubClient& hub);
// Stage 4: the git_lfs_concat hash of every build/torch* variant at the commit.
void hash_variants(std::vector<PendingLock*>& pending, HubClient& hub);

}  // namespace kernels::detail
