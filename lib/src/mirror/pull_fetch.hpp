#pragma once

// The objects of `mirror pull`: each file of an upstream listing either found in the object store
// (re-hashed) or fetched through /resolve, hashed while it streams, checked against the listing,
// and only then made an object.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/hub_types.hpp"
#include "kernels/mirror/store.hpp"
#include "kernels/ops/download.hpp"

namespace kernels {
class HubClient;
}

namespace kernels::mirror::detail {

// A regular (non-LFS) file is held in memory while it streams, since its object's name (its
// SHA-256) is known only at the end. The Hub refuses regular files over 10 MiB, so a listing that
// claims a larger one is refused rather than trusted with that much memory.
inline constexpr std::uint64_t kMaxRegularFileBytes = std::uint64_t{64} << 20U;

// One file of the commit. `entry` comes from the listing; entry.sha256 is the LFS oid for an LFS
// file, and for a regular file what an earlier commit of the mirror recorded for the same git blob
// id, or empty (learned from the bytes).
struct WantedFile {
  MirrorFile entry;
  std::string commit;  // the upstream commit to fetch it at
};

struct FetchTotals {
  std::size_t files_fetched = 0;
  std::uint64_t bytes_fetched = 0;
};

// Makes every file an object of the store: fills entry.sha256 of each, and says per file whether
// it was fetched. An object already present is re-hashed; a wrong one is removed and fetched
// again. Transfers run in parallel on the client's HTTP batch; a transient failure gets one more
// pass. Errors: integrity (the bytes are not what the listing says; that file becomes no object),
// network, not_found (the upstream lost a file it listed).
[[nodiscard]] Result<std::vector<bool>> fetch_objects(const Store& store, HubClient& upstream,
                                                      const RepoRef& repo,
                                                      std::vector<WantedFile>& files,
                                                      const DownloadObserver& observer,
                                                      FetchTotals& totals);

}  // namespace kernels::mirror::detail
