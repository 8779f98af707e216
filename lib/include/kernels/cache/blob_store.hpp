#pragma once

// Writing blobs into the cache so that nothing unverified is ever visible (DESIGN.md, reliability
// rules), and linking them into snapshots.
//
// The protocol, the same for every process that shares a cache (huggingface_hub included):
//   1. take the blob's lock, .locks/<folder>/<etag>.lock, with flock() (CacheFileLock);
//   2. if blobs/<etag> exists now, another process published it: done;
//   3. otherwise append to blobs/<etag>.incomplete (BlobWriter). Bytes a killed process left there
//      are hashed first and the transfer resumes after them (Range); every byte is hashed as it
//      arrives;
//   4. publish(): size and digest checked against the etag, fsync, rename to blobs/<etag>, fsync
//      the folder. A mismatch deletes the .incomplete file (its bytes are wrong somewhere) and
//      fails with ErrorCode::integrity;
//   5. only then link_snapshot_file() creates snapshots/<commit>/<path> (a relative symlink made
//      under a temporary name and renamed into place).
// A process killed at any step leaves either nothing, an .incomplete file the next run resumes
// and re-checks, or a published verified blob.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/error.hpp"
#include "kernels/util/hash.hpp"

namespace kernels {

// An exclusive flock() on a lock file (created, with its folders, when missing; never deleted,
// since deleting a lock file another process has open breaks the exclusion). Released by the
// destructor or by the process's death.
class CacheFileLock {
 public:
  // Waits until the lock is free.
  [[nodiscard]] static Result<CacheFileLock> acquire(const std::filesystem::path& lock_file);
  // nullopt when another process holds it.
  [[nodiscard]] static Result<std::optional<CacheFileLock>> try_acquire(
      const std::filesystem::path& lock_file);
  // A shared lock (LOCK_SH): many holders at once, none while an exclusive one is held. Waits.
  [[nodiscard]] static Result<CacheFileLock> acquire_shared(const std::filesystem::path& lock_file);

  CacheFileLock(CacheFileLock&& other) noexcept;
  CacheFileLock& operator=(CacheFileLock&& other) noexcept;
  CacheFileLock(const CacheFileLock&) = delete;
  CacheFileLock& operator=(const CacheFileLock&) = delete;
  ~CacheFileLock();

 private:
  explicit CacheFileLock(int fd) : fd_(fd) {}
  static Result<CacheFileLock> acquire_with(const std::filesystem::path& lock_file, int operation);
  int fd_ = -1;
};

// Receives one blob's bytes into blobs/<etag>.incomplete. The caller holds the blob's lock.
class BlobWriter {
 public:
  // Opens (or creates) the .incomplete file. Bytes already there, up to the expected size, are
  // hashed and kept (resume_offset()); a longer file starts over.
  [[nodiscard]] static Result<BlobWriter> open(const CacheRepo& repo, const CacheFile& file);

  BlobWriter(BlobWriter&& other) noexcept;
  BlobWriter& operator=(BlobWriter&& other) noexcept;
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  ~BlobWriter();

  // Where the transfer continues (the bytes already in the .incomplete file).
  [[nodiscard]] std::uint64_t resume_offset() const { return resumed_; }
  [[nodiscard]] std::uint64_t bytes_written() const { return written_; }
  [[nodiscard]] const CacheFile& file() const { return file_; }

  // Appends and hashes. More bytes than the expected size fail (ErrorCode::integrity).
  [[nodiscard]] Result<void> append(std::span<const std::byte> bytes);
  // The server sent the whole body instead of the range asked for: drop everything, hash anew.
  [[nodiscard]] Result<void> restart();
  // Checks size and digest, then fsync + rename to blobs/<etag> + fsync of blobs/. Call once.
  // On a mismatch the .incomplete file is removed and the error (integrity) says
  // "expected <etag> (<size> bytes), got <digest> (<n> bytes)".
  [[nodiscard]] Result<void> publish();
  // Removes the .incomplete file (after a mismatch found elsewhere); the writer is spent.
  void discard() noexcept;

 private:
  BlobWriter(CacheRepo repo, CacheFile file, int fd);
  void reset_hasher();
  void feed(std::span<const std::byte> bytes);
  void start_writeback() noexcept;
  [[nodiscard]] Result<void> flush();

  CacheRepo repo_;
  CacheFile file_;
  int fd_ = -1;
  std::uint64_t resumed_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t writeback_from_ = 0;  // bytes before this offset were handed to writeback
  std::vector<std::byte> pending_;    // received and hashed, not yet written (at most 1 MiB)
  std::optional<Sha256> sha256_;
  std::optional<GitBlobHasher> git_blob_;
};

// Makes snapshots/<commit>/<file.path> a relative link to blobs/<file.etag> (replacing whatever is
// there). The blob must be published first. The path must have passed validate_repo_path.
[[nodiscard]] Result<void> link_snapshot_file(const CacheRepo& repo, std::string_view commit,
                                              const CacheFile& file);

// True when snapshots/<commit>/<path> is a link to exactly blobs/<etag> (as link_snapshot_file
// writes it) and that blob exists.
[[nodiscard]] bool snapshot_link_is(const CacheRepo& repo, std::string_view commit,
                                    const CacheFile& file);

}  // namespace kernels
