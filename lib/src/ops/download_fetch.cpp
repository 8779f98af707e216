// Step 3 of ops/download.hpp: listing, blobs under their locks, links, markers.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <system_error>

#include "kernels/cache/blob_store.hpp"
#include "kernels/cache/variant_verify.hpp"
#include "kernels/cache/verified_marker.hpp"
#include "kernels/hub/hub_client.hpp"
#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_requests.hpp"
#include "kernels/hub/retry_policy.hpp"
#include "kernels/model/repo_path.hpp"

#include "ops/download_internal.hpp"
#include "ops/publish_pool.hpp"

namespace kernels::detail {
namespace {

// Rounds of "fetch what we could lock, then wait for what others held": a process that held a
// lock and died leaves the blob to us in the next round; the bound only stops a livelock.
constexpr int kMaxRounds = 64;

struct VariantWork {
  const LockedKernel* locked = nullptr;
  CacheRepo cache;
  RepoRef repo;
  std::string variant;
  std::string lock_hash;
  std::vector<CacheFile> files;
  bool fetched_any = false;
  std::uint64_t bytes_fetched = 0;
};

struct BlobTask {
  VariantWork* work = nullptr;  // the first variant that needs it (for requests and messages)
  CacheFile file;
  bool done = false;
};

std::string blob_key(const CacheRepo& repo, const std::string& etag) {
  return repo.folder().string() + "/" + etag;
}

tl::unexpected<Error> mismatch(const VariantWork& work, const std::string& path,
                               const std::string& detail) {
  return fail(ErrorCode::integrity,
              work.repo.repo_id + " variant " + work.variant + ": " + path + ": " + detail +
                  "; nothing of it was published",
              work.cache.folder().string());
}

// The variant's files in the listing: under build/<variant>/, bytecode skipped.
Result<std::vector<CacheFile>> listing_files(const RepoTree& tree, const std::string& variant) {
  std::vector<CacheFile> files;
  const std::string prefix = variant_prefix(variant);
  for (const TreeEntry& entry : tree.entries) {
    if (entry.type != TreeEntryType::file || !entry.path.starts_with(prefix)) continue;
    if (is_bytecode_path(entry.path)) continue;
    // parse_tree_page checked the path already; checked again since it becomes a file name.
    if (auto ok = validate_repo_path(entry.path); !ok) return tl::unexpected(ok.error());
    CacheFile file{entry.path, entry.lfs ? entry.lfs->sha256 : entry.oid,
                   entry.lfs ? entry.lfs->size : entry.size};
    if (auto ok = validate_etag(file.etag, file.path); !ok) return tl::unexpected(ok.error());
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(),
            [](const CacheFile& a, const CacheFile& b) { return a.path < b.path; });
  return files;
}

std::vector<std::string> listing_variants(const RepoTree& tree) {
  std::set<std::string> names;
  for (const TreeEntry& entry : tree.entries) {
    if (!entry.path.starts_with("build/")) continue;
    const std::string rest = entry.path.substr(6);
    const auto slash = rest.find('/');
    if (slash != std::string::npos && slash > 0) names.insert(rest.substr(0, slash));
  }
  return {names.begin(), names.end()};
}

// A blob already in blobs/: kept when it is a file whose content matches its name, else removed
// (under its lock) so that it is fetched again. A link there is never a blob, whatever it points
// to: the snapshot would read a file outside the cache that may change after it was checked.
// Removing the link leaves its target alone.
Result<bool> existing_blob_is_good(const CacheRepo& repo, const CacheFile& file) {
  const auto blob = repo.blob_path(file.etag);
  std::error_code error;
  const auto status = std::filesystem::symlink_status(blob, error);
  if (!std::filesystem::exists(status)) return false;
  if (std::filesystem::is_regular_file(status)) {
    auto actual = hash_cached_file(blob, file.etag);
    if (actual && *actual == file.etag) return true;
  }
  auto lock = CacheFileLock::acquire(repo.lock_path(file.etag));
  if (!lock) return tl::unexpected(lock.error());
  std::filesystem::remove(blob, error);
  return false;
}

// Each publish() ends in fsyncs (the blob, then its folder). On the transfer thread, after the
// batch, they made up the larger part of a fast download (tests/bench/README.md), so a blob is
// published by one of a few threads as soon as its transfer finished, while the others go on.
// The order of publish() is unchanged (checked, durable, renamed, folder durable), and no link
// is made before the pool drained: a crash at any point leaves what a crash in publish() left.
constexpr std::size_t kPublishThreads = 8;

class Fetcher {
 public:
  Fetcher(HubClient& hub, const DownloadObserver& observer, DownloadReport& totals)
      : hub_(hub), observer_(observer), totals_(totals) {}

  // Fetches every task not done; true when all are published.
  Result<void> run(std::vector<BlobTask>& tasks) {
    for (int round = 0; round < kMaxRounds; ++round) {
      std::vector<BlobTask*> pending;
      for (BlobTask& task : tasks) {
        if (!task.done) pending.push_back(&task);
      }
      if (pending.empty()) return {};
      if (auto ok = one_round(pending); !ok) return ok;
    }
    return fail(ErrorCode::failure, "gave up waiting for other processes to publish blobs");
  }

  std::set<std::string> fresh;  // blob keys hashed in this run

 private:
  // A transfer that failed once more than the HTTP layer's retries allow gets one more pass
  // after the batch: with a 30 % rate of 500s an LFS file (two requests per attempt) exhausts
  // its attempts now and then, and the pass resumes from its .incomplete file.
  bool retry_later(BlobTask& task, bool transient, const Error& error) {
    if (!transient || !retried_.insert(&task).second) return false;
    if (observer_.note) {
      observer_.note("will retry " + task.work->repo.repo_id + " " + task.file.path +
                     " after this batch: " + error.message);
    }
    return true;
  }

  std::set<const BlobTask*> retried_;

  struct Transfer {
    BlobTask* task = nullptr;
    CacheFileLock lock;
    BlobWriter writer;
    std::string label;
  };

  Result<void> one_round(const std::vector<BlobTask*>& pending) {
    std::vector<std::unique_ptr<Transfer>> transfers;
    std::vector<BlobTask*> held_elsewhere;
    for (BlobTask* task : pending) {
      const CacheRepo& repo = task->work->cache;
      auto lock = CacheFileLock::try_acquire(repo.lock_path(task->file.etag));
      if (!lock) return tl::unexpected(lock.error());
      if (!*lock) {
        held_elsewhere.push_back(task);
        continue;
      }
      if (auto taken = take_published(*task); !taken) return tl::unexpected(taken.error());
      if (task->done) continue;
      auto writer = BlobWriter::open(repo, task->file);
      if (!writer) return tl::unexpected(writer.error());
      transfers.push_back(
          std::make_unique<Transfer>(Transfer{task, std::move(**lock), std::move(*writer),
                                              task->work->repo.repo_id + " " + task->file.path}));
    }
    if (auto ok = transfer(transfers); !ok) return ok;
    // Our locks go before we wait for anyone else's: two processes each holding a blob the other
    // waits for would otherwise wait forever (seen with 16 processes on one cache).
    transfers.clear();
    // Another process is writing these: wait for it (holding no lock), then take its blob.
    for (BlobTask* task : held_elsewhere) {
      auto lock = CacheFileLock::acquire(task->work->cache.lock_path(task->file.etag));
      if (!lock) return tl::unexpected(lock.error());
      if (auto taken = take_published(*task); !taken) return tl::unexpected(taken.error());
    }
    return {};
  }

  // The blob appeared (another process published it): checked, then taken.
  Result<void> take_published(BlobTask& task) {
    auto good = existing_blob_is_good(task.work->cache, task.file);
    if (!good) return tl::unexpected(good.error());
    if (*good) {
      task.done = true;
      fresh.insert(blob_key(task.work->cache, task.file.etag));
    }
    return {};
  }

  Result<void> transfer(std::vector<std::unique_ptr<Transfer>>& transfers) {
    std::vector<HttpRequest> requests;
    std::vector<Transfer*> sent;
    // What publish() said, per request; filled by the pool.
    std::vector<std::optional<Result<void>>> written(transfers.size());
    PublishPool pool(std::min(kPublishThreads, transfers.size()));
    for (auto& owned : transfers) {
      Transfer* t = owned.get();
      const CacheFile& file = t->task->file;
      if (t->writer.resume_offset() == file.size) {
        // A killed process left it complete: only the checks and the rename are missing.
        if (auto ok = publish(*t, t->writer.publish()); !ok) return ok;
        continue;
      }
      if (observer_.started) observer_.started(t->label, file.size, t->writer.resume_offset());
      StreamingBody body;
      body.on_data = [this, t](std::span<const std::byte> bytes) -> Result<void> {
        if (auto ok = t->writer.append(bytes); !ok) return ok;
        t->task->work->bytes_fetched += bytes.size();
        totals_.bytes_fetched += bytes.size();
        if (observer_.progressed) observer_.progressed(t->label, bytes.size());
        return {};
      };
      body.on_restart = [this, t]() -> Result<void> {
        if (observer_.started) observer_.started(t->label, t->task->file.size, 0);
        return t->writer.restart();
      };
      // From here only the pool's thread touches the writer, until drain().
      body.on_complete = [&pool, &written, t, slot = sent.size()] {
        pool.submit([&written, t, slot] { written[slot] = t->writer.publish(); });
      };
      HttpRequest request =
          resolve_get_request(hub_.endpoint(), t->task->work->repo, t->task->work->locked->sha,
                              file.path, std::move(body));
      if (t->writer.resume_offset() > 0) request.range_start = t->writer.resume_offset();
      requests.push_back(std::move(request));
      sent.push_back(t);
    }
    if (requests.empty()) return {};
    auto results = hub_.http().perform(std::move(requests));
    pool.drain();
    std::optional<Error> first_error;
    for (std::size_t i = 0; i < results.size(); ++i) {
      Transfer& t = *sent[i];
      Result<void> outcome;
      bool transient = false;
      if (!results[i]) {
        Error error = hub_.without_token(results[i].error());
        // The writer stopped the transfer (more bytes than listed): say whose file it was.
        if (error.code == ErrorCode::integrity) {
          error.message = t.task->work->repo.repo_id + " variant " + t.task->work->variant + ": " +
                          error.message + "; nothing of it was published";
        }
        outcome = tl::unexpected(std::move(error));
        transient = results[i].error().code == ErrorCode::network;
      } else if (!results[i]->is_success()) {
        transient = is_transient_status(results[i]->status);
        // Through http(): the token is scrubbed here (a server may echo it in its message), as
        // HubClient's own calls scrub it.
        outcome = tl::unexpected(hub_.without_token(
            hub_error(*results[i], t.task->work->repo,
                      HubQuery{"file", t.task->work->locked->sha, t.task->file.path})));
      } else if (!written[i]) {
        outcome = fail(ErrorCode::failure, "a finished download was not published (a bug)");
      } else {
        outcome = publish(t, std::move(*written[i]));
      }
      if (observer_.finished) observer_.finished(t.label, outcome.has_value());
      // Left not done: the next round of run() takes it again, resuming.
      if (!outcome && retry_later(*t.task, transient, outcome.error())) continue;
      // An integrity failure says the most; report it before a transport one.
      if (!outcome && (!first_error || (outcome.error().code == ErrorCode::integrity &&
                                        first_error->code != ErrorCode::integrity))) {
        first_error = outcome.error();
      }
    }
    if (first_error) return tl::unexpected(*first_error);
    return {};
  }

  // `ok`: what t.writer.publish() said.
  Result<void> publish(Transfer& t, Result<void> ok) {
    if (!ok) {
      if (ok.error().code == ErrorCode::integrity) {
        return mismatch(*t.task->work, t.task->file.path, "content " + ok.error().message);
      }
      return ok;
    }
    t.task->done = true;
    t.task->work->fetched_any = true;
    ++totals_.files_fetched;
    fresh.insert(blob_key(t.task->work->cache, t.task->file.etag));
    return {};
  }

  HubClient& hub_;
  const DownloadObserver& observer_;
  DownloadReport& totals_;
};

}  // namespace

Result<std::vector<DownloadedVariant>> fetch_variants(const DownloadRequest& request,
                                                      HubClient& hub,
                                                      const std::vector<FetchVariant>& wanted,
                                                      const DownloadObserver& observer,
                                                      DownloadReport& totals) {
  // One listing per kernel, all in one batch.
  std::vector<const LockedKernel*> kernels;
  for (const FetchVariant& item : wanted) {
    if (std::find(kernels.begin(), kernels.end(), item.locked) == kernels.end()) {
      kernels.push_back(item.locked);
    }
  }
  std::vector<TreeQuery> queries;
  for (const LockedKernel* kernel : kernels) {
    queries.push_back(
        TreeQuery{RepoRef{kernel->repo_id, RepoType::kernel}, kernel->sha, "build", true});
  }
  auto trees = hub.tree_many(queries);
  std::vector<std::unique_ptr<VariantWork>> works;
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    if (!trees[k]) return tl::unexpected(trees[k].error());
    const RepoTree& tree = *trees[k];
    const LockedKernel& kernel = *kernels[k];
    const CacheRepo cache{request.cache_dir, kernel.repo_id, tree.repo.type};
    const std::vector<std::string> names = listing_variants(tree);
    write_variant_names(cache, kernel.sha, names);
    std::vector<std::string> variants;
    for (const FetchVariant& item : wanted) {
      if (item.locked == &kernel && !item.variant.empty()) variants.push_back(item.variant);
    }
    if (variants.empty()) {
      auto chosen = choose_variants(names, request, kernel.repo_id);
      if (!chosen) return tl::unexpected(chosen.error());
      variants = *chosen;
    }
    for (const std::string& variant : variants) {
      auto work = std::make_unique<VariantWork>();
      work->locked = &kernel;
      work->cache = cache;
      work->repo = tree.repo;
      work->variant = variant;
      if (const VariantLock* lock = kernel.find_variant(variant)) work->lock_hash = lock->hash;
      auto files = listing_files(tree, variant);
      if (!files) return tl::unexpected(files.error());
      if (files->empty()) {
        return fail(ErrorCode::not_found,
                    kernel.repo_id + " at " + kernel.sha + " has no files under build/" + variant);
      }
      work->files = std::move(*files);
      // The listing must be what was locked before a byte is fetched.
      if (!work->lock_hash.empty()) {
        auto hash = variant_hash_of(work->files, variant);
        if (!hash) return tl::unexpected(hash.error());
        if (*hash != work->lock_hash) {
          return mismatch(*work, "build/" + variant,
                          "the Hub's listing does not match kernels.lock: expected " +
                              work->lock_hash + ", got " + *hash);
        }
      }
      works.push_back(std::move(work));
    }
  }

  // Held from before the first blob is published until the links are made, so that `kernels
  // cache prune` does not take a published blob for an orphan in between.
  std::vector<CacheFileLock> repo_locks;
  std::set<std::string> locked_folders;
  for (auto& work : works) {
    if (!locked_folders.insert(work->cache.folder().string()).second) continue;
    // Checked for links planted in the cache before anything is written or removed in them: the
    // lock files' folder and blobs/ (snapshots/ is checked where its folders are made).
    for (const auto& folder :
         {work->cache.download_lock_path().parent_path(), work->cache.blobs_dir()}) {
      if (auto made = create_cache_folders(work->cache.cache_dir, folder); !made) {
        return tl::unexpected(made.error());
      }
    }
    auto lock = CacheFileLock::acquire_shared(work->cache.download_lock_path());
    if (!lock) return tl::unexpected(lock.error());
    repo_locks.push_back(std::move(*lock));
  }

  // Unique blobs; those already present are re-hashed once (a bad one is removed).
  Fetcher fetcher(hub, observer, totals);
  std::vector<BlobTask> tasks;
  std::set<std::string> seen;
  for (auto& work : works) {
    for (const CacheFile& file : work->files) {
      const std::string key = blob_key(work->cache, file.etag);
      if (!seen.insert(key).second) continue;
      auto good = existing_blob_is_good(work->cache, file);
      if (!good) return tl::unexpected(good.error());
      if (*good) {
        fetcher.fresh.insert(key);
      } else {
        remove_verified_marker(work->cache, work->locked->sha, work->variant);
        tasks.push_back(BlobTask{work.get(), file, false});
      }
    }
  }
  if (auto ok = fetcher.run(tasks); !ok) return tl::unexpected(ok.error());

  std::vector<DownloadedVariant> done;
  for (auto& work : works) {
    const std::string& commit = work->locked->sha;
    for (const CacheFile& file : work->files) {
      if (auto ok = link_snapshot_file(work->cache, commit, file); !ok) {
        return tl::unexpected(ok.error());
      }
    }
    VariantVerifyRequest verify{commit, work->variant, work->lock_hash, work->files, {}};
    for (const CacheFile& file : work->files) {
      if (fetcher.fresh.contains(blob_key(work->cache, file.etag))) {
        verify.fresh_etags.insert(file.etag);
      }
    }
    auto marker = verify_cached_variant(work->cache, verify);
    if (!marker) return tl::unexpected(marker.error());
    if (auto ok = write_verified_marker(work->cache, *marker); !ok) {
      return tl::unexpected(ok.error());
    }
    DownloadedVariant result{work->repo.repo_id,
                             commit,
                             work->variant,
                             work->fetched_any ? VariantState::downloaded : VariantState::verified,
                             work->cache.variant_dir(commit, work->variant),
                             work->files.size(),
                             0,
                             work->bytes_fetched};
    for (const CacheFile& file : work->files)
      result.bytes += file.size;
    done.push_back(std::move(result));
  }
  return done;
}

}  // namespace kernels::detail
