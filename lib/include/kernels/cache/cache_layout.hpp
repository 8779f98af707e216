#pragma once

// Where things live in the Hub-layout cache (hub-api.md section 6), shared with huggingface_hub:
//
//   <cache>/.locks/<folder>/<etag>.lock          per-blob inter-process lock (flock; the same file
//                                                huggingface_hub's filelock locks, so the Python
//                                                tool and this one exclude each other)
//   <cache>/.locks/<folder>/kernels-download.lock  held shared by a `kernels download` of the repo
//                                                from before it publishes blobs until it has
//                                                linked them; `kernels cache prune` leaves the
//                                                repo's blobs alone while it is held
//   <cache>/<folder>/blobs/<etag>                content; etag = LFS SHA-256 (64 hex) or git blob
//                                                id (40 hex); only verified content gets this name
//   <cache>/<folder>/blobs/<etag>.incomplete     in-flight download (hub 1.10 resumes this name
//   too) <cache>/<folder>/snapshots/<commit>/<path>   RELATIVE symlink to ../../(...)/blobs/<etag>,
//                                                created only once the blob is verified
//   <cache>/<folder>/refs/<revision>             repo_refs.hpp
//   <cache>/<folder>/kernels-verified/<commit>/<variant>.json
//                                                our verified marker (verified_marker.hpp); outside
//                                                blobs/refs/snapshots, so huggingface_hub ignores
//                                                it
//
// <folder> is kernels--org--name or models--org--name. This layer (lib/src/cache) uses neither
// libcurl nor the Hub layer, so that the loader library can link it on its own.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "kernels/cache/repo_refs.hpp"
#include "kernels/error.hpp"
#include "kernels/util/hash.hpp"

namespace kernels {

// One repo's part of a cache. The repo id is checked by the caller (validate_repo_id).
struct CacheRepo {
  std::filesystem::path cache_dir;
  std::string repo_id;
  RepoType type = RepoType::kernel;

  [[nodiscard]] std::string folder_name() const;
  [[nodiscard]] std::filesystem::path folder() const;
  [[nodiscard]] std::filesystem::path blobs_dir() const;
  [[nodiscard]] std::filesystem::path blob_path(std::string_view etag) const;
  [[nodiscard]] std::filesystem::path incomplete_path(std::string_view etag) const;
  [[nodiscard]] std::filesystem::path lock_path(std::string_view etag) const;
  [[nodiscard]] std::filesystem::path download_lock_path() const;
  [[nodiscard]] std::filesystem::path snapshot_dir(std::string_view commit) const;
  // snapshots/<commit>/<repo path>; the path must have passed validate_repo_path.
  [[nodiscard]] std::filesystem::path snapshot_path(std::string_view commit,
                                                    std::string_view repo_path) const;
  [[nodiscard]] std::filesystem::path variant_dir(std::string_view commit,
                                                  std::string_view variant) const;
  [[nodiscard]] std::filesystem::path marker_path(std::string_view commit,
                                                  std::string_view variant) const;
};

// Creates the cache's folder `dir` and its missing parents, `dir` being below `cache_dir`. Refuses
// (ErrorCode::integrity) when one of them below `cache_dir` is a symbolic link or not a folder:
// the cache holds links only as the files of snapshots/, and one planted in place of a folder
// (the repo's folder, blobs/, snapshots/<commit>/build/<variant>, .locks/<folder>) would have a
// download write outside the cache. `cache_dir` itself may be a link (a cache on another disk).
[[nodiscard]] Result<void> create_cache_folders(const std::filesystem::path& cache_dir,
                                                const std::filesystem::path& dir);

// The repo's part of the cache: its kernels-- folder, or its models-- folder when only that one
// exists (kernels published as model repos, before the reference's 0.14).
[[nodiscard]] CacheRepo find_cache_repo(const std::filesystem::path& cache_dir,
                                        std::string_view repo_id);

// A file the cache holds for a repo at a commit.
struct CacheFile {
  std::string path;  // repository path, "build/torch-cpu/relu/__init__.py"
  std::string etag;  // 64 hex (LFS SHA-256) or 40 hex (git blob id), lowercase
  std::uint64_t size = 0;
};

// 40 or 64 lowercase hex digits: a name blobs/ may hold. Anything else is refused before it is
// joined to a path (invalid_input, naming `what`).
[[nodiscard]] Result<void> validate_etag(std::string_view etag, std::string_view what);

// SHA-256 for a 64-digit etag, SHA-1 over the git blob header for a 40-digit one.
[[nodiscard]] HashAlgorithm etag_algorithm(std::string_view etag);

// Bytecode the variant hash and the downloads skip: a ".pyc" file or anything in a "__pycache__"
// folder (the reference's ignore patterns "*.pyc" and "**/__pycache__/**").
[[nodiscard]] bool is_bytecode_path(std::string_view repo_path);

// A link another process is creating right now (link_snapshot_file makes it under
// "<name>.kernels-tmp.<pid>.<n>" and renames it into place): not part of the snapshot.
[[nodiscard]] bool is_temporary_link_name(std::string_view repo_path);

// "build/<variant>/" for a variant name; the variant name must be one path component.
[[nodiscard]] std::string variant_prefix(std::string_view variant);

// The target of the snapshot link for `repo_path`: "../../blobs/<etag>" with one "../" per folder
// of the path (relative, as huggingface_hub writes it, so the cache can be moved).
[[nodiscard]] std::string snapshot_link_target(std::string_view repo_path, std::string_view etag);

// The digest of a blob file as its name promises it (hex): SHA-256 of the content for a 64-digit
// etag, the git blob id for a 40-digit one. Reads in chunks (constant memory).
[[nodiscard]] Result<std::string> hash_cached_file(const std::filesystem::path& file,
                                                   std::string_view etag);

}  // namespace kernels
