#pragma once

// `kernels download` and `kernels check --cache`: the locked variants of a project in the
// Hub-layout cache (cache/cache_layout.hpp), verified byte for byte.
//
// Per locked kernel and chosen variant:
//   1. a verified marker that still holds (one stat() per file) -> done, no request, no hashing;
//   2. else, when the variant folder is there and the lock has a hash: a full re-hash from disk
//      against the lock -> done without a request when it matches (the reference tool's
//      downloads are adopted this way) and the marker is written;
//   3. else (online): the tree listing of build/ at the locked commit (one batch for all repos),
//      the variant's files (bytecode skipped, every path validated), git_lfs_concat of the listing
//      checked against the lock before any byte is fetched; blobs already present re-hashed
//      (a tampered one is removed and fetched again); the missing ones fetched in parallel through
//      one HttpClient batch under their per-blob locks, hashed while streaming, resumed from
//      .incomplete with Range, published only when they match; blobs locked by another process
//      are waited for afterwards and taken from it. Then the snapshot links, a final verification
//      and the marker.
// Offline (--offline, HF_HUB_OFFLINE): steps 1 and 2 only, zero requests; anything missing is
// ErrorCode::not_found naming `kernels download` without --offline as the fix.
//
// Which variants: the best one for the system (select_variant), the named ones, or all. The names
// come from the lock (variant_hashes format), else from the listing, else (offline) from a
// variants list saved beside the markers when a listing was read, else from the cached snapshot.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/lockfile.hpp"
#include "kernels/model/system_info.hpp"

namespace kernels {

class HubClient;

enum class VariantChoice { best, named, all };

struct DownloadRequest {
  std::filesystem::path project_dir = ".";
  std::filesystem::path cache_dir;
  VariantChoice choice = VariantChoice::best;
  std::vector<std::string> variants;  // VariantChoice::named
  SystemInfo system;                  // VariantChoice::best
  bool offline = false;
};

// What the progress display is told; every call comes from the thread that called
// download_locked (the transfers run on libcurl's multi loop in that thread).
struct DownloadObserver {
  // A transfer starts (again, after a retry restart) at `offset` of `size` bytes.
  std::function<void(const std::string& label, std::uint64_t size, std::uint64_t offset)> started;
  std::function<void(const std::string& label, std::uint64_t bytes)> progressed;
  std::function<void(const std::string& label, bool ok)> finished;
  // A line for the log ("org/relu: torch-cpu is complete in the cache").
  std::function<void(const std::string& line)> note;
};

enum class VariantState {
  cached,      // a verified marker held: nothing read
  verified,    // re-hashed from disk, no request
  downloaded,  // at least one file fetched
};

struct DownloadedVariant {
  std::string repo_id;
  std::string commit;
  std::string variant;
  VariantState state = VariantState::cached;
  std::filesystem::path path;  // snapshots/<commit>/build/<variant>
  std::size_t files = 0;
  std::uint64_t bytes = 0;          // size of the variant's files
  std::uint64_t bytes_fetched = 0;  // transferred in this run
};

struct DownloadReport {
  std::vector<DownloadedVariant> variants;
  std::uint64_t bytes_fetched = 0;
  std::size_t files_fetched = 0;
};

// `hub` may be null when request.offline. Errors: the lock is missing (not_found) or malformed, a
// variant does not exist or none fits (not_found, naming the available ones), a mismatch
// (integrity, naming repo, variant, file, expected and actual; nothing of that variant linked),
// the Hub fails (network), offline and incomplete (not_found).
[[nodiscard]] Result<DownloadReport> download_locked(const DownloadRequest& request, HubClient* hub,
                                                     const DownloadObserver& observer = {});

// `kernels check --cache`: for each locked kernel, the chosen variants (as download_locked
// chooses them, offline) are in the cache and a full re-hash matches the lock (or, for a
// dependency_commits lock, the names of their blobs); the markers are refreshed. No request.
[[nodiscard]] Result<DownloadReport> check_cache(const DownloadRequest& request);

// The variants to fetch out of `available` (names under build/). not_found names what exists.
[[nodiscard]] Result<std::vector<std::string>> choose_variants(
    const std::vector<std::string>& available, const DownloadRequest& request,
    const std::string& repo_id);

}  // namespace kernels
