#pragma once

// Full verification of a variant in the cache, from disk only (no network): what `kernels check
// --cache`, an offline `kernels download` and the loader (when the marker is stale) run.
//
//   1. every file under snapshots/<commit>/build/<variant>/ (bytecode skipped) must be a link into
//      this repo's blobs/ whose name is a valid etag;
//   2. each blob is re-hashed and must match its name (SHA-256 or git blob id);
//   3. with a lock hash: git_lfs_concat over (path in the variant, blob name) must equal it;
//      with a file list (the tree listing of the commit): the folder must hold exactly those
//      files with those blob names.
// A mismatch is ErrorCode::integrity naming the repo, variant, file, expected and actual value;
// a missing variant folder is ErrorCode::not_found.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/cache/verified_marker.hpp"
#include "kernels/error.hpp"

namespace kernels {

// The files of the cached variant folder, sorted by path, each resolved to its blob (step 1).
// not_found when the folder is missing; integrity for a file that is not a link to a blob.
[[nodiscard]] Result<std::vector<CacheFile>> list_cached_variant(const CacheRepo& repo,
                                                                 std::string_view commit,
                                                                 std::string_view variant);

// The variant names under snapshots/<commit>/build/ (folders), sorted.
[[nodiscard]] std::vector<std::string> cached_variant_names(const CacheRepo& repo,
                                                            std::string_view commit);

struct VariantVerifyRequest {
  std::string commit;
  std::string variant;
  std::string lock_hash;                           // empty: no lock hash to check
  std::optional<std::vector<CacheFile>> expected;  // the listing's files of the variant
  // Blobs this process has just hashed while writing them: not hashed again.
  std::set<std::string> fresh_etags;
};

// Steps 1-3; on success the marker to write (with sizes and mtimes taken now).
[[nodiscard]] Result<VerifiedMarker> verify_cached_variant(const CacheRepo& repo,
                                                           const VariantVerifyRequest& request);

// git_lfs_concat over files given with repository paths under build/<variant>/.
[[nodiscard]] Result<std::string> variant_hash_of(const std::vector<CacheFile>& files,
                                                  std::string_view variant);

// `kernels cache verify`: every blobs/<name> of every repo folder re-hashed against its name.
struct BlobProblem {
  std::string blob;    // path of the blob
  std::string actual;  // its digest, or the read error
};
struct CacheVerifyReport {
  std::size_t blobs_checked = 0;
  std::vector<BlobProblem> problems;
};
[[nodiscard]] Result<CacheVerifyReport> verify_cache_blobs(const std::filesystem::path& cache_dir);

}  // namespace kernels
