#include "mirror/pull_fetch.hpp"

#include <map>
#include <memory>
#include <set>
#include <span>
#include <system_error>
#include <utility>

#include "kernels/hub/hub_client.hpp"
#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_requests.hpp"
#include "kernels/hub/retry_policy.hpp"
#include "kernels/util/atomic_file.hpp"
#include "kernels/util/encoding.hpp"
#include "kernels/util/hash.hpp"

namespace kernels::mirror::detail {
namespace {

namespace fs = std::filesystem;

std::string describe_file(const RepoRef& repo, const WantedFile& file) {
  return repo.repo_id + " at " + file.commit + ": " + file.entry.path;
}

tl::unexpected<Error> mismatch(const RepoRef& repo, const WantedFile& file,
                               const std::string& expected, const std::string& actual) {
  return fail(ErrorCode::integrity, describe_file(repo, file) +
                                        ": the upstream sent other bytes than its listing says: "
                                        "expected " +
                                        expected + ", got " + actual);
}

std::string with_size(const std::string& digest, std::uint64_t size) {
  return digest + " (" + std::to_string(size) + " bytes)";
}

// True when the object the entry names is in the store with the entry's content. An object whose
// content is not its name is removed (it is corrupt whatever the listing says), so that it is
// fetched again.
Result<bool> object_is_good(const Store& store, const MirrorFile& entry) {
  if (entry.sha256.empty()) return false;
  auto path = store.object_path(entry.sha256);
  if (!path) return tl::unexpected(path.error());
  std::error_code error;
  if (!fs::is_regular_file(*path, error)) return false;
  auto digest = hash_file(*path, HashAlgorithm::sha256);
  if (!digest) return tl::unexpected(digest.error());
  if (hex_encode(*digest) != entry.sha256) {
    fs::remove(*path, error);
    return false;
  }
  if (fs::file_size(*path, error) != entry.size || error) return false;
  if (entry.lfs) return true;
  // The SHA-256 came from an earlier commit's entry for this git blob id; the blob id says
  // whether that pairing holds.
  auto blob = git_blob_id_of_file(*path);
  return blob && *blob == entry.oid;
}

// Receives one file's body: hashed as it arrives, an LFS file written straight to its object
// (its name is known), a regular file held until its SHA-256 names it.
class ObjectSink {
 public:
  ObjectSink(const Store& store, const RepoRef& repo, const WantedFile& file)
      : store_(store), repo_(repo), file_(file) {}

  Result<void> start() {
    received_ = 0;
    sha256_.emplace();
    if (!file_.entry.lfs) {
      blob_.emplace(file_.entry.size);
      buffer_.clear();
      return {};
    }
    auto path = store_.object_path(file_.entry.sha256);
    if (!path) return tl::unexpected(path.error());
    std::error_code error;
    fs::create_directories(path->parent_path(), error);
    if (error) {
      return fail(ErrorCode::io, "cannot create the folder: " + error.message(),
                  path->parent_path().string());
    }
    if (out_) out_->discard();
    auto out = AtomicFile::create(*path, AtomicFileOptions{0644});
    if (!out) return tl::unexpected(out.error());
    out_.emplace(std::move(*out));
    return {};
  }

  Result<void> append(std::span<const std::byte> bytes) {
    received_ += bytes.size();
    if (received_ > file_.entry.size) {
      return mismatch(repo_, file_, std::to_string(file_.entry.size) + " bytes",
                      "more (the transfer was stopped)");
    }
    sha256_->update(bytes);
    if (blob_) blob_->update(bytes);
    if (out_) return out_->write(bytes);
    buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return {};
  }

  // Checks the whole body against the listing, then publishes the object; its SHA-256.
  Result<std::string> finish() {
    auto sha256 = sha256_->finish_hex();
    if (!sha256) return tl::unexpected(sha256.error());
    const MirrorFile& entry = file_.entry;
    if (entry.lfs) {
      if (received_ != entry.size || *sha256 != entry.sha256) {
        out_->discard();
        return mismatch(repo_, file_, "sha256 " + with_size(entry.sha256, entry.size),
                        "sha256 " + with_size(*sha256, received_));
      }
      if (auto ok = out_->commit(); !ok) return tl::unexpected(ok.error());
      return *sha256;
    }
    if (received_ != entry.size) {
      return mismatch(repo_, file_, "git blob " + with_size(entry.oid, entry.size),
                      std::to_string(received_) + " bytes");
    }
    auto blob = blob_->finish_hex();
    if (!blob) return tl::unexpected(blob.error());
    if (*blob != entry.oid) {
      return mismatch(repo_, file_, "git blob " + with_size(entry.oid, entry.size),
                      "git blob " + with_size(*blob, received_));
    }
    auto path = store_.object_path(*sha256);
    if (!path) return tl::unexpected(path.error());
    std::error_code error;
    fs::create_directories(path->parent_path(), error);
    if (error) {
      return fail(ErrorCode::io, "cannot create the folder: " + error.message(),
                  path->parent_path().string());
    }
    if (auto ok = write_file_atomically(*path, buffer_, AtomicFileOptions{0644}); !ok) {
      return tl::unexpected(ok.error());
    }
    return *sha256;
  }

 private:
  const Store& store_;
  const RepoRef& repo_;
  const WantedFile& file_;
  std::optional<AtomicFile> out_;
  std::string buffer_;
  std::optional<Sha256> sha256_;
  std::optional<GitBlobHasher> blob_;
  std::uint64_t received_ = 0;
};

struct Transfer {
  WantedFile* file = nullptr;
  std::unique_ptr<ObjectSink> sink;
  std::string label;
};

// One file per distinct content: a listing may hold the same bytes at several paths.
std::string content_key(const MirrorFile& entry) {
  return entry.lfs ? "lfs:" + entry.sha256 : "git:" + entry.oid;
}

class Fetcher {
 public:
  Fetcher(const Store& store, HubClient& upstream, const RepoRef& repo,
          const DownloadObserver& observer, FetchTotals& totals)
      : store_(store), upstream_(upstream), repo_(repo), observer_(observer), totals_(totals) {}

  // Fetches the files; those that failed transiently are left in `retry`.
  Result<void> batch(const std::vector<WantedFile*>& files, std::vector<WantedFile*>& retry) {
    std::vector<std::unique_ptr<Transfer>> transfers;
    std::vector<HttpRequest> requests;
    for (WantedFile* file : files) {
      auto transfer = std::make_unique<Transfer>(
          Transfer{file, std::make_unique<ObjectSink>(store_, repo_, *file),
                   repo_.repo_id + " " + file->entry.path});
      if (auto ok = transfer->sink->start(); !ok) return ok;
      Transfer* t = transfer.get();
      StreamingBody body;
      body.on_data = [this, t](std::span<const std::byte> bytes) -> Result<void> {
        if (auto ok = t->sink->append(bytes); !ok) return ok;
        totals_.bytes_fetched += bytes.size();
        if (observer_.progressed) observer_.progressed(t->label, bytes.size());
        return {};
      };
      body.on_restart = [this, t]() -> Result<void> {
        if (observer_.started) observer_.started(t->label, t->file->entry.size, 0);
        return t->sink->start();
      };
      if (observer_.started) observer_.started(t->label, file->entry.size, 0);
      requests.push_back(resolve_get_request(upstream_.endpoint(), repo_, file->commit,
                                             file->entry.path, std::move(body)));
      transfers.push_back(std::move(transfer));
    }
    auto results = upstream_.http().perform(std::move(requests));
    std::optional<Error> first_error;
    for (std::size_t i = 0; i < results.size(); ++i) {
      Transfer& t = *transfers[i];
      Result<std::string> outcome = std::string();
      bool transient = false;
      if (!results[i]) {
        transient = results[i].error().code == ErrorCode::network;
        outcome = tl::unexpected(results[i].error());
      } else if (!results[i]->is_success()) {
        transient = is_transient_status(results[i]->status);
        outcome = tl::unexpected(
            hub_error(*results[i], repo_, HubQuery{"file", t.file->commit, t.file->entry.path}));
      } else {
        outcome = t.sink->finish();
      }
      if (observer_.finished) observer_.finished(t.label, outcome.has_value());
      if (outcome) {
        t.file->entry.sha256 = std::move(*outcome);
        ++totals_.files_fetched;
        continue;
      }
      if (transient && retried_.insert(t.file).second) {
        if (observer_.note) {
          observer_.note("will retry " + t.label + " after this batch: " + outcome.error().message);
        }
        retry.push_back(t.file);
        continue;
      }
      // An integrity failure says the most; report it before a transport one.
      if (!first_error || (outcome.error().code == ErrorCode::integrity &&
                           first_error->code != ErrorCode::integrity)) {
        first_error = outcome.error();
      }
    }
    if (first_error) return tl::unexpected(*first_error);
    return {};
  }

 private:
  const Store& store_;
  HubClient& upstream_;
  const RepoRef& repo_;
  const DownloadObserver& observer_;
  FetchTotals& totals_;
  std::set<const WantedFile*> retried_;
};

}  // namespace

Result<std::vector<bool>> fetch_objects(const Store& store, HubClient& upstream,
                                        const RepoRef& repo, std::vector<WantedFile>& files,
                                        const DownloadObserver& observer, FetchTotals& totals) {
  std::vector<bool> fetched(files.size(), false);
  std::map<std::string, std::size_t> first_of_content;
  std::vector<WantedFile*> missing;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const MirrorFile& entry = files[i].entry;
    if (!entry.lfs && entry.size > kMaxRegularFileBytes) {
      return fail(ErrorCode::invalid_input, describe_file(repo, files[i]) +
                                                ": the listing says it is a regular (not LFS) "
                                                "file of " +
                                                std::to_string(entry.size) +
                                                " bytes; the Hub keeps files that large in LFS");
    }
    if (!first_of_content.emplace(content_key(entry), i).second) continue;
    auto good = object_is_good(store, entry);
    if (!good) return tl::unexpected(good.error());
    if (*good) continue;
    missing.push_back(&files[i]);
    fetched[i] = true;
  }

  Fetcher fetcher(store, upstream, repo, observer, totals);
  while (!missing.empty()) {
    std::vector<WantedFile*> retry;
    if (auto ok = fetcher.batch(missing, retry); !ok) return tl::unexpected(ok.error());
    missing = std::move(retry);
  }
  // Paths with the same content as an earlier one share its object.
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::size_t first = first_of_content.at(content_key(files[i].entry));
    if (first != i) files[i].entry.sha256 = files[first].entry.sha256;
  }
  return fetched;
}

}  // namespace kernels::mirror::detail
