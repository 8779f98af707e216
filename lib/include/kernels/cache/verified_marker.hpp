#pragma once

// The verified marker of one (commit, variant): written by `kernels download` (and `kernels check
// --cache`) after every file of the variant was hashed and the variant checked against the lock,
// read by later runs and by the loader to skip re-hashing. It lives at
// <cache>/<folder>/kernels-verified/<commit>/<variant>.json (cache_layout.hpp), outside the folders
// huggingface_hub manages, and is written atomically.
//
// It records the lock hash it was checked against (empty for a dependency_commits lock, which has
// none: the files were then checked against the Hub's tree listing) and, per file, the repository
// path, the blob name and the blob's size and modification time. marker_still_holds() is the
// cheap check: one readlink and one stat() per file, no hashing. A blob changed in place (a new
// mtime or size), a link changed, a file added to or removed from the variant folder all make the
// marker stale, and the caller falls back to a full verification.
//
// Format (version 1):
//   {"format": "kernels-verified", "version": 1, "repo_id": "org/name", "commit": "<sha>",
//    "variant": "<name>", "lock_hash": "sha256-..." | "",
//    "files": [{"path": "build/<variant>/x", "etag": "<hex>", "size": 1, "mtime_ns": 1}, ...]}

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/error.hpp"

namespace kernels {

struct VerifiedFile {
  std::string path;  // repository path
  std::string etag;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // of the blob
  friend bool operator==(const VerifiedFile&, const VerifiedFile&) = default;
};

struct VerifiedMarker {
  std::string repo_id;
  std::string commit;
  std::string variant;
  std::string lock_hash;            // empty: verified against the tree listing only
  std::vector<VerifiedFile> files;  // sorted by path
  friend bool operator==(const VerifiedMarker&, const VerifiedMarker&) = default;
};

[[nodiscard]] std::string serialize_verified_marker(const VerifiedMarker& marker);
[[nodiscard]] Result<VerifiedMarker> parse_verified_marker(std::string_view text);

// Written atomically to repo.marker_path(commit, variant), without fsync: a marker only saves
// re-hashing, and marker_still_holds() checks it against the links and blobs on disk (which are
// durable before it is written), so one lost or emptied by a crash of the machine costs one
// verification, never trust in a missing file. The two fsyncs per variant were a large part of
// a fast download (tests/bench/README.md).
[[nodiscard]] Result<void> write_verified_marker(const CacheRepo& repo,
                                                 const VerifiedMarker& marker);

// nullopt when there is no marker, or one that does not parse or names another repo, commit or
// variant (treated as no marker: the caller verifies in full and rewrites it).
[[nodiscard]] std::optional<VerifiedMarker> read_verified_marker(const CacheRepo& repo,
                                                                 std::string_view commit,
                                                                 std::string_view variant);

// Removes the marker (before a repair, so that a crash in the middle leaves no stale promise).
void remove_verified_marker(const CacheRepo& repo, std::string_view commit,
                            std::string_view variant);

// Sets the marker's modification time to now: the variant was used (`kernels cache list` and
// `kernels cache prune --older-than` read it as the last use). Failures (a read-only cache) are
// ignored.
void touch_verified_marker(const CacheRepo& repo, std::string_view commit,
                           std::string_view variant) noexcept;

// The cheap check (no hashing): the marker was made for `lock_hash` (when the caller has one), the
// variant folder holds exactly the marker's files (bytecode ignored), each a link to its blob, and
// each blob has the recorded size and mtime.
[[nodiscard]] bool marker_still_holds(const CacheRepo& repo, const VerifiedMarker& marker,
                                      std::string_view lock_hash);

// The size and mtime of blobs/<etag> now, for a marker.
[[nodiscard]] Result<VerifiedFile> stat_cached_file(const CacheRepo& repo, const CacheFile& file);

}  // namespace kernels
