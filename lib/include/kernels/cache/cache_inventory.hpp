#pragma once

// What a Hub-layout cache holds (`kernels cache list`, and what `kernels cache prune` decides on):
// every kernels--org--name and models--org--name folder, per commit (snapshots/<sha>) the build
// variants, whether each has a verified marker that still holds, the refs naming the commit, the
// bytes on disk (each blob counted once) and when it was last used.
//
// Last use: atime is unreliable (relatime, noatime mounts), so it is the newest modification time
// of the variant's verified marker and of its snapshot links (lstat, the links themselves).
// `kernels download` touches the marker of a variant it finds complete, so a variant in use stays
// young.
//
// The scan never follows a symbolic link: a link in snapshots/ is read (readlink) and counted only
// when it names a file of this repo's blobs/; a folder that is a link is not entered. Entries that
// do not belong (a link where a folder or blob should be, a file that is not a link in a snapshot)
// are recorded as strays for `kernels cache prune` to remove.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/error.hpp"

namespace kernels {

// A link of a snapshot: its path under snapshots/<commit>/ and the blob it names ("" when it
// points anywhere but this repo's blobs/).
struct SnapshotLink {
  std::string path;
  std::string etag;
};

struct CachedVariantInfo {
  std::string name;
  bool verified = false;  // a marker that parses and still holds (stat only, no hashing)
  std::size_t files = 0;
  std::uint64_t bytes = 0;        // the blobs its links name, each once
  std::int64_t last_used_ns = 0;  // 0: no marker and no link
};

struct CachedCommitInfo {
  std::string commit;
  bool has_snapshot = false;      // false: only markers are left (kernels-verified/<commit>)
  std::vector<std::string> refs;  // revisions whose refs/ file names this commit
  std::vector<CachedVariantInfo> variants;
  std::vector<SnapshotLink> links;  // every link of the snapshot, sorted by path
  std::uint64_t bytes = 0;          // the blobs its links name, each once
  std::int64_t last_used_ns = 0;
};

struct CachedBlobInfo {
  std::string name;  // file name under blobs/ (an etag, or <etag>.incomplete)
  std::uint64_t bytes = 0;
  std::int64_t mtime_ns = 0;
  bool incomplete = false;
};

struct CachedRepoInfo {
  std::string repo_id;
  RepoType type = RepoType::kernel;
  std::string folder;  // the folder's name
  // A kernels-- folder, or a models-- folder that holds build/ variants or our markers. Only
  // these are pruned: the cache is shared with huggingface_hub's models and datasets.
  bool holds_kernels = false;
  std::vector<CachedCommitInfo> commits;  // sorted by commit
  std::vector<CachedBlobInfo> blobs;      // regular files of blobs/, sorted by name
  std::vector<std::string> strays;        // paths that do not belong (links, odd entries)
  std::uint64_t bytes = 0;                // complete blobs, each once
  std::uint64_t incomplete_bytes = 0;
  std::int64_t last_used_ns = 0;

  [[nodiscard]] CacheRepo cache_repo(const std::filesystem::path& cache_dir) const {
    return CacheRepo{cache_dir, repo_id, type};
  }
};

struct CacheInventory {
  std::filesystem::path cache_dir;
  std::vector<CachedRepoInfo> repos;  // sorted by folder name
  std::uint64_t bytes = 0;            // complete blobs of every repo
};

// "kernels--org--name" -> {"org/name", kernel}; nullopt for any other name.
[[nodiscard]] std::optional<std::pair<std::string, RepoType>> repo_from_cache_folder(
    std::string_view folder);

// The blob a snapshot link names, from its target alone (never followed): "" unless the target,
// taken relative to the link's folder, is <blobs_dir>/<etag>.
[[nodiscard]] std::string snapshot_link_blob(const std::filesystem::path& link,
                                             const std::filesystem::path& blobs_dir);

// A missing cache folder is an empty inventory; an unreadable one is ErrorCode::io.
[[nodiscard]] Result<CacheInventory> scan_cache(const std::filesystem::path& cache_dir);

}  // namespace kernels
