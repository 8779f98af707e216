#pragma once

// Private pieces of ops/download: the disk-only steps shared by download_locked and check_cache,
// and the online fetch.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/error.hpp"
#include "kernels/ops/download.hpp"

namespace kernels {

class HubClient;

namespace detail {

// The variant names a listing of the commit showed, saved beside the markers; nullopt when none.
[[nodiscard]] std::optional<std::vector<std::string>> read_variant_names(const CacheRepo& repo,
                                                                         const std::string& commit);
void write_variant_names(const CacheRepo& repo, const std::string& commit,
                         const std::vector<std::string>& names);

// Steps 1 and 2 of download.hpp: nullopt when the variant is not (completely) there, an error
// when it is there and wrong. `accept_unlisted`: without a lock hash, content checked against the
// blob names only is enough (offline, check --cache).
[[nodiscard]] Result<std::optional<DownloadedVariant>> complete_from_disk(
    const CacheRepo& repo, const std::string& commit, const std::string& variant,
    const std::string& lock_hash, bool accept_unlisted, bool trust_marker);

struct FetchVariant {
  const LockedKernel* locked = nullptr;
  std::string variant;
};

// Step 3 for the kernels and variants given (listing batch, blobs, links, markers). Kernels whose
// variants are not chosen yet (commits lock without a saved list) come with `variant` empty: the
// choice is made from the listing.
[[nodiscard]] Result<std::vector<DownloadedVariant>> fetch_variants(
    const DownloadRequest& request, HubClient& hub, const std::vector<FetchVariant>& wanted,
    const DownloadObserver& observer, DownloadReport& totals);

}  // namespace detail
}  // namespace kernels
