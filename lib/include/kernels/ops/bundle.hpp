#pragma once

// `kernels bundle export | import`: the locked variants of a project as one zstd tar archive, for
// machines without network (DESIGN.md, Scale).
//
// Archive layout (format "kernels-bundle", version 1):
//   manifest.json                       first member: per locked kernel, its cache folder type,
//                                       commit, and per variant the lock hash and every file
//                                       (repository path, blob name, size)
//   <folder>/blobs/<etag>               each blob once per repo folder (kernels--org--name)
// No links of any kind: import rebuilds the snapshot links itself, so nothing in an archive can
// point out of the cache.
//
// Export takes the variants `kernels download` would fetch (best for the system, named, or all),
// re-hashed from the cache first (check_cache): a bundle never carries bytes that do not match
// the lock. Import checks the manifest against the project's kernels.lock (same commits, and each
// variant's git_lfs_concat over the manifest's files equal to the lock's hash) before writing
// anything, streams each blob into the cache through the same locks, hashing and publication as a
// download (a blob is visible only once its digest matches its name), then links the snapshots,
// re-verifies every variant against the lock and writes its verified marker. A member the
// manifest does not announce, a missing blob or any mismatch fails the import (exit 4 for
// integrity, 1 for a malformed archive) and publishes nothing unverified.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/ops/download.hpp"

namespace kernels {

struct BundledVariant {
  std::string repo_id;
  std::string commit;
  std::string variant;
  std::size_t files = 0;
  std::uint64_t bytes = 0;
};

struct BundleReport {
  std::filesystem::path archive;
  std::vector<BundledVariant> variants;
  std::size_t blobs = 0;                 // blobs in the archive (export) or written (import)
  std::uint64_t blob_bytes = 0;          // their size
  std::size_t blobs_already_cached = 0;  // import: present and verified before
};

// `request` chooses the variants as for check_cache (offline; the cache must hold them). The
// archive is written beside `archive` under a temporary name and renamed when complete.
[[nodiscard]] Result<BundleReport> export_bundle(const DownloadRequest& request,
                                                 const std::filesystem::path& archive);

// Imports into request.cache_dir, verified against request.project_dir's kernels.lock.
[[nodiscard]] Result<BundleReport> import_bundle(const DownloadRequest& request,
                                                 const std::filesystem::path& archive);

}  // namespace kernels
