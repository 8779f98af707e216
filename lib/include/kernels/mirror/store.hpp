#pragma once

// The mirror directory: the on-disk state `kernels serve` serves and `kernels mirror add` fills
// (docs/mirror-format.md describes the format).
//
//   <mirror>/mirror.json                           {"format": 1} (or 2: see kMirrorFormat)
//   <mirror>/objects/<sha256[0:2]>/<sha256>        file contents, shared by every repo
//   <mirror>/orgs/<org>.json                       optional: {"trustedKernelPublisher": true}
//   <mirror>/repos/<org>/<name>/repo.json          type, private/gated/disabled flags, createdAt
//   <mirror>/repos/<org>/<name>/refs.json          branches and tags -> commit id
//   <mirror>/repos/<org>/<name>/commits/<id>.json  parents, date, message, the full file list
//
// Commits are immutable and named by the SHA-1 of their canonical JSON, except commits pulled from
// another Hub (`kernels mirror pull`), which keep the upstream's commit id so that a lock against
// the mirror pins the same sha as a lock against the upstream; refs.json is written last and
// atomically, so that a reader never sees a ref to a commit that is not on disk. Everything read
// back is validated (repo ids, paths, hex digests, the commit id itself) before use.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/repo_type.hpp"

namespace kernels::mirror {

// Format 1: every commit is named by the SHA-1 of its JSON. Format 2 adds pulled commits (an
// "upstream" member, named by the upstream's id). This build reads both; a new mirror is written
// as format 1, and the first pulled commit raises mirror.json to 2, so that an older `kernels`
// refuses the directory with a clear message instead of taking pulled commits for corrupt ones.
inline constexpr int kMirrorFormat = 2;
inline constexpr int kMirrorFormatOldest = 1;
inline constexpr int kMirrorFormatFirstUpstream = 2;

// The repo type of the whole project (model/repo_type.hpp), under the names mirror code uses.
using kernels::parse_repo_type;
using kernels::RepoType;
using kernels::to_string;

// repo.json.
struct RepoSettings {
  RepoType type = RepoType::kernel;
  bool is_private = false;  // served only with the server's token (`kernels serve --require-token`)
  bool gated = false;       // likewise, but refused with GatedRepo instead of RepoNotFound
  bool disabled = false;    // always refused with 403 "Access to this resource is disabled."
  std::string created_at;   // "2026-01-01T00:00:00.000Z": the date of the repo's first commit
};

// orgs/<org>.json: what the organization overview route reports.
struct OrgSettings {
  bool trusted_kernel_publisher = false;
};

// One file of a commit.
struct MirrorFile {
  std::string path;        // repository path, validated with validate_repo_path
  std::uint64_t size = 0;  // content size in bytes (for an LFS file too)
  // The git blob id the Hub lists as the file's "oid": of the content for a regular file, of the
  // LFS pointer text (lfs_pointer) for an LFS file.
  std::string oid;
  std::string sha256;  // SHA-256 of the content: the object's name, and the LFS oid
  bool lfs = false;
};

// Where a pulled commit came from.
struct CommitUpstream {
  // The commit id on the upstream Hub: 40 lowercase hex, and the mirror's id of the commit (the
  // Hub API gives no way to recompute it, so it is taken as given).
  std::string commit;
  // The endpoint it was pulled from, without credentials (redact_url), for people reading the
  // mirror; not used by the server.
  std::string endpoint;
};

struct MirrorCommit {
  std::string id;                    // 40 hex: commit_id(*this); filled in by the store
  std::vector<std::string> parents;  // 0 or 1 commit id
  std::string created;               // "2026-01-01T00:00:00.000Z"
  std::string message;
  std::vector<MirrorFile> files;  // sorted by path bytes, no duplicates
  // Set for a commit `kernels mirror pull` copied: the id is upstream->commit.
  std::optional<CommitUpstream> upstream;
};

// refs.json. Names are short ("main", "v1", "v1.0.0"), values commit ids.
struct MirrorRefs {
  std::map<std::string, std::string> branches;
  std::map<std::string, std::string> tags;
};

// The git-lfs v1 pointer text of a file the Hub stores in LFS; its git blob id is the "oid" the
// tree listing shows for the file and its length the "pointerSize".
[[nodiscard]] std::string lfs_pointer(std::string_view sha256_hex, std::uint64_t size);

// "YYYY-MM-DDTHH:MM:SS.000Z" (UTC) for seconds since the Unix epoch, the Hub's date form.
[[nodiscard]] std::string iso8601_utc(std::int64_t unix_seconds);

// The SHA-1 (hex) of the commit's canonical JSON (sorted keys, no whitespace; `id` excluded), or
// for a pulled commit the upstream's id. Files must be sorted and valid (the store checks that
// before it writes).
[[nodiscard]] Result<std::string> commit_id(const MirrorCommit& commit);

// Checks a branch or tag name given to `mirror add` or found in refs.json: a subset of git's
// ref-name rules that keeps names usable in URLs and Hub refs (no control characters, spaces,
// "~^:?*[\\", "..", "@{", no leading or trailing '/' or '.', no "//", no ".lock" suffix), not
// starting with "refs/", and not 40 hex digits (that would read as a commit id).
[[nodiscard]] Result<void> validate_ref_name(std::string_view name);

// Checks "org" (the namespace of a repo id) with the same rules as a repo id's parts.
[[nodiscard]] Result<void> validate_org_name(std::string_view org);

class Store {
 public:
  // Opens an existing mirror directory (its mirror.json must say format 1 or 2).
  [[nodiscard]] static Result<Store> open(const std::filesystem::path& root);
  // Opens it, creating the directory and mirror.json when missing.
  [[nodiscard]] static Result<Store> open_or_create(const std::filesystem::path& root);

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

  // Where the object with this SHA-256 lives (whether or not it exists). Fails on a digest that
  // is not 64 lowercase hex digits.
  [[nodiscard]] Result<std::filesystem::path> object_path(std::string_view sha256) const;
  // Copies `source` into the object store unless the object is there already, checking on the way
  // that its content still has `sha256` (a file changed since it was hashed is refused).
  [[nodiscard]] Result<void> store_object(const std::filesystem::path& source,
                                          std::string_view sha256) const;

  // The folder of a repo (repos/<org>/<name>), after validating the repo id.
  [[nodiscard]] Result<std::filesystem::path> repo_dir(std::string_view repo_id) const;

  // The repo's settings, or nothing when the repo does not exist.
  [[nodiscard]] Result<std::optional<RepoSettings>> read_repo(std::string_view repo_id) const;
  [[nodiscard]] Result<void> write_repo(std::string_view repo_id,
                                        const RepoSettings& settings) const;

  // The repo's refs; empty when it has no refs.json yet.
  [[nodiscard]] Result<MirrorRefs> read_refs(std::string_view repo_id) const;
  [[nodiscard]] Result<void> write_refs(std::string_view repo_id, const MirrorRefs& refs) const;

  // A commit, validated (its id must match its content). not_found when it does not exist.
  [[nodiscard]] Result<MirrorCommit> read_commit(std::string_view repo_id,
                                                 std::string_view commit_id) const;
  [[nodiscard]] Result<bool> has_commit(std::string_view repo_id, std::string_view commit_id) const;
  // Sorts the files, validates the commit, computes its id, writes it (unless it exists) and
  // returns the id. A pulled commit (upstream set) first raises mirror.json to format 2.
  [[nodiscard]] Result<std::string> write_commit(std::string_view repo_id,
                                                 MirrorCommit commit) const;

  // The organization's settings; nothing when orgs/<org>.json does not exist.
  [[nodiscard]] Result<std::optional<OrgSettings>> read_org(std::string_view org) const;
  [[nodiscard]] Result<void> write_org(std::string_view org, const OrgSettings& settings) const;
  // The repo ids of an organization (folders under repos/<org>/ holding a repo.json), sorted.
  [[nodiscard]] Result<std::vector<std::string>> list_repos(std::string_view org) const;

 private:
  explicit Store(std::filesystem::path root) : root_(std::move(root)) {}
  // Rewrites mirror.json with `format` unless it says that or more.
  [[nodiscard]] Result<void> raise_format(int format) const;
  std::filesystem::path root_;
};

// Resolves a revision as the Hub does: a 40-hex commit id that exists, a full ref name
// ("refs/heads/v1", "refs/tags/v1.0.0"), a tag name, then a branch name. Nothing when it names
// nothing.
[[nodiscard]] Result<std::optional<std::string>> resolve_revision(const Store& store,
                                                                  std::string_view repo_id,
                                                                  const MirrorRefs& refs,
                                                                  std::string_view revision);

}  // namespace kernels::mirror
