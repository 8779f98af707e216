#include "kernels/cache/cache_prune.hpp"

#include <algorithm>
#include <system_error>

#include "kernels/cache/blob_store.hpp"
#include "kernels/cache/cache_inventory.hpp"

namespace kernels {
namespace {

namespace fs = std::filesystem;

std::int64_t to_ns(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

std::string blob_key(const std::string& folder, const std::string& etag) {
  return folder + "/" + etag;
}

struct BlobLock {
  bool held_elsewhere = false;
  std::optional<CacheFileLock> lock;
};

// The blob's lock, without waiting. A dry run creates no lock file: a missing one is free.
Result<BlobLock> lock_blob(const fs::path& lock_file, bool dry_run) {
  std::error_code error;
  if (dry_run && !fs::exists(lock_file, error)) return BlobLock{};
  auto lock = CacheFileLock::try_acquire(lock_file);
  if (!lock) return tl::unexpected(lock.error());
  if (!*lock) return BlobLock{true, std::nullopt};
  return BlobLock{false, std::move(*lock)};
}

class Pruner {
 public:
  explicit Pruner(const PruneRequest& request) : request_(request) {
    report_.dry_run = request.dry_run;
  }

  Result<PruneReport> run() {
    auto inventory = scan_cache(request_.cache_dir);
    if (!inventory) return tl::unexpected(inventory.error());
    std::vector<std::size_t> commits_left(inventory->repos.size(), 0);
    for (std::size_t i = 0; i < inventory->repos.size(); ++i) {
      commits_left[i] = prune_snapshots(inventory->repos[i]);
    }
    for (std::size_t i = 0; i < inventory->repos.size(); ++i) {
      const CachedRepoInfo& repo = inventory->repos[i];
      if (!repo.holds_kernels) continue;
      auto blobs_left = prune_blobs(repo);
      if (!blobs_left) return tl::unexpected(blobs_left.error());
      if (commits_left[i] == 0 && *blobs_left == 0) {
        remove(fs::path(request_.cache_dir) / repo.folder,
               PrunedEntry{PrunedKind::repo, "", repo.repo_id, "", "", 0});
      }
    }
    return std::move(report_);
  }

 private:
  bool goes(const std::string& repo_id, const std::string& commit, std::int64_t last_used) const {
    if (request_.keep && request_.keep->contains({repo_id, commit})) return false;
    if (request_.older_than && last_used >= to_ns(*request_.older_than)) return false;
    return true;
  }

  // Removes the unused variants and commits of one repo; returns how many commits stay. The
  // links that stay are recorded in linked_after_.
  std::size_t prune_snapshots(const CachedRepoInfo& repo) {
    const CacheRepo cache = repo.cache_repo(request_.cache_dir);
    if (!repo.holds_kernels) {
      for (const CachedCommitInfo& commit : repo.commits)
        keep_links(repo, commit, {});
      return repo.commits.size();
    }
    for (const std::string& stray : repo.strays) {
      remove(stray, PrunedEntry{PrunedKind::stray, "", repo.repo_id, "", "", 0});
    }
    std::size_t left = 0;
    for (const CachedCommitInfo& commit : repo.commits) {
      std::vector<std::string> going;
      for (const CachedVariantInfo& variant : commit.variants) {
        if (goes(repo.repo_id, commit.commit, variant.last_used_ns)) going.push_back(variant.name);
      }
      const bool whole =
          going.size() == commit.variants.size() &&
          (!commit.variants.empty() || goes(repo.repo_id, commit.commit, commit.last_used_ns));
      if (whole) {
        remove(cache.snapshot_dir(commit.commit),
               PrunedEntry{PrunedKind::commit, "", repo.repo_id, commit.commit, "", 0});
        remove_quietly(cache.folder() / "kernels-verified" / commit.commit);
        continue;
      }
      ++left;
      for (const std::string& variant : going) {
        remove(cache.variant_dir(commit.commit, variant),
               PrunedEntry{PrunedKind::variant, "", repo.repo_id, commit.commit, variant, 0});
        remove_quietly(cache.marker_path(commit.commit, variant));
      }
      keep_links(repo, commit, going);
    }
    if (left == 0) remove_quietly(cache.folder() / "refs");
    return left;
  }

  void keep_links(const CachedRepoInfo& repo, const CachedCommitInfo& commit,
                  const std::vector<std::string>& going) {
    for (const SnapshotLink& link : commit.links) {
      if (link.etag.empty()) continue;
      const bool removed = std::any_of(going.begin(), going.end(), [&](const std::string& v) {
        return link.path.starts_with(variant_prefix(v));
      });
      if (!removed) linked_after_.insert(blob_key(repo.folder, link.etag));
    }
  }

  // Removes the blobs no link names any more; returns how many files stay in blobs/.
  Result<std::size_t> prune_blobs(const CachedRepoInfo& repo) {
    const CacheRepo cache = repo.cache_repo(request_.cache_dir);
    // Exclusive while removing: a download that starts now waits until the blobs are gone.
    auto downloads = lock_blob(cache.download_lock_path(), request_.dry_run);
    if (!downloads) return tl::unexpected(downloads.error());
    std::size_t left = 0;
    for (const CachedBlobInfo& blob : repo.blobs) {
      const std::string etag =
          blob.incomplete ? blob.name.substr(0, blob.name.size() - 11) : blob.name;
      const fs::path path = cache.blobs_dir() / blob.name;
      if (!validate_etag(etag, etag) ||
          (!blob.incomplete && linked_after_.contains(blob_key(repo.folder, etag)))) {
        ++left;
        continue;
      }
      if (downloads->held_elsewhere) {
        skip(path, "a `kernels download` of " + repo.repo_id +
                       " is running (it may not have linked it yet)");
        ++left;
        continue;
      }
      auto lock = lock_blob(cache.lock_path(etag), request_.dry_run);
      if (!lock) return tl::unexpected(lock.error());
      if (lock->held_elsewhere) {
        skip(path, "its lock is held (a download is using it)");
        ++left;
        continue;
      }
      if (!remove(path, PrunedEntry{blob.incomplete ? PrunedKind::incomplete : PrunedKind::blob, "",
                                    repo.repo_id, "", "", blob.bytes})) {
        ++left;
      }
    }
    return left;
  }

  bool remove(const fs::path& path, PrunedEntry entry) {
    entry.path = path.string();
    if (!request_.dry_run) {
      std::error_code error;
      // remove_all never follows a link: a link is removed, not what it points to.
      fs::remove_all(path, error);
      if (error) {
        skip(path, "cannot remove it: " + error.message());
        return false;
      }
    }
    report_.bytes_freed += entry.bytes;
    report_.removed.push_back(std::move(entry));
    return true;
  }

  void remove_quietly(const fs::path& path) {
    if (request_.dry_run) return;
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }

  void skip(const fs::path& path, std::string reason) {
    report_.skipped.push_back(PruneSkip{path.string(), std::move(reason)});
  }

  const PruneRequest& request_;
  PruneReport report_;
  std::set<std::string> linked_after_;
};

}  // namespace

std::string_view pruned_kind_name(PrunedKind kind) {
  switch (kind) {
    case PrunedKind::variant:
      return "variant";
    case PrunedKind::commit:
      return "commit";
    case PrunedKind::blob:
      return "blob";
    case PrunedKind::incomplete:
      return "incomplete";
    case PrunedKind::stray:
      return "stray";
    case PrunedKind::repo:
      return "repo";
  }
  return "?";
}

Result<PruneReport> prune_cache(const PruneRequest& request) {
  if (!request.keep && !request.older_than) {
    return fail(ErrorCode::invalid_input,
                "nothing says what to keep: give --keep PROJECT_DIR (what its kernels.lock "
                "needs stays) and/or --older-than DATE|AGE (what was used since then stays)");
  }
  return Pruner(request).run();
}

}  // namespace kernels
