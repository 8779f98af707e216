#pragma once

// `kernels mirror pull`: a commit of a repo on another Hub becomes a commit of a mirror repo,
// byte for byte, so that `kernels serve` of the mirror answers a lock as the upstream does (the
// same commit id, the same listing, hence the same kernels.lock).
//
// What is pulled: the commit the requirement resolves to on the upstream (as `kernels lock`
// resolves it: a specifier against the v<version> tags, a major version against the v<N>
// branches, a revision as it is; nothing means main), and the commit of the upstream's main
// when that is another one, since clients read kernel-status.toml at main. Every file of each
// commit is fetched through the Hub's /resolve route, hashed while it streams and checked against
// the upstream's listing (size, and the LFS SHA-256 or the git blob id) before it becomes an
// object; objects already in the mirror are re-hashed and kept when they match. Only when every
// file of every commit is in place are repo.json, the commits, the organization file and, last,
// refs.json written, under the repo's lock: a failure leaves no commit and no ref behind (verified
// objects may stay; they are content addressed). Pulling again changes nothing; pulling after the
// upstream moved adds the new commit and moves the refs that moved upstream.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/mirror/store.hpp"
#include "kernels/model/dependency.hpp"
#include "kernels/ops/download.hpp"

namespace kernels {
class HubClient;
}

namespace kernels::mirror {

struct PullRequest {
  std::string repo_id;
  std::optional<Requirement> requirement;  // nothing: the branch main
  // The commit date when the upstream's repo info has no lastModified.
  std::int64_t fallback_unix_seconds = 0;
};

struct PulledCommit {
  std::string commit;    // the upstream's commit id, now also the mirror's
  std::string revision;  // what it was resolved from: "v1.1.0", "v1", "main", a commit id
  bool added = false;    // false: the mirror had it already (nothing was written for it)
  std::size_t files = 0;
  std::size_t lfs_files = 0;
  std::uint64_t bytes = 0;
  std::size_t files_fetched = 0;
  std::uint64_t bytes_fetched = 0;
  // The upstream's branches and tags at this commit: the mirror's now point there too.
  std::vector<std::string> branches;
  std::vector<std::string> tags;
};

// A ref of the mirror that the pull moved from another commit (the upstream moved it).
struct MovedRef {
  std::string name;  // "branch v1", "tag v1.0.0"
  std::string from;
  std::string to;
};

struct PullResult {
  std::string repo_id;
  RepoType type = RepoType::kernel;  // the type that answered upstream (kernel, or model)
  bool created_repo = false;
  bool trusted_publisher = false;  // the upstream's organization overview said so
  // The commit asked for first, then main's when it is another one.
  std::vector<PulledCommit> commits;
  std::vector<MovedRef> moved;
  // Upstream refs at a pulled commit that the mirror cannot hold (validate_ref_name), skipped.
  std::vector<std::string> skipped_refs;
  // The repo id main's kernel-status.toml redirects clients to (the kernel moved): a lock against
  // the mirror follows it, so that repo needs pulling too.
  std::optional<std::string> redirect;
};

// The mirror directory is created (Store::open_or_create) only once the upstream has answered for
// the repo, its revision and its listing, so that a typo writes nothing.
// Errors: the repo, revision or version does not exist upstream (not_found, naming what there
// is); the upstream fails (network); a file's bytes do not match the listing, or the mirror holds
// a commit of that id with another file list (integrity, naming repo, file, expected and actual);
// the mirror has the repo with another type (invalid_input). `observer` hears of each transfer.
[[nodiscard]] Result<PullResult> pull(const std::filesystem::path& mirror_dir, HubClient& upstream,
                                      const PullRequest& request,
                                      const DownloadObserver& observer = {});

}  // namespace kernels::mirror
