#pragma once

// The exclusive lock every writer of a mirror repo holds (`mirror add`, `mirror pull`), so that
// two writers of one repo serialize and neither writes refs.json from a stale read.

#include <filesystem>
#include <utility>

#include "kernels/error.hpp"

namespace kernels::mirror::detail {

// An exclusive flock(2) on repos/<org>/<name>/lock (created, with the repo folder, when
// missing), released when it goes out of scope or the process dies.
class RepoLock {
 public:
  // Waits until the lock is free.
  [[nodiscard]] static Result<RepoLock> acquire(const std::filesystem::path& repo_dir);

  ~RepoLock();
  RepoLock(RepoLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  RepoLock& operator=(RepoLock&&) = delete;
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;

 private:
  explicit RepoLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace kernels::mirror::detail
