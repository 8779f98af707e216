#pragma once

// A few threads that publish downloaded blobs (BlobWriter::publish: check, fsync, rename, fsync
// of the folder) while the other transfers of the batch go on. Private to ops/download_fetch.cpp.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kernels::detail {

class PublishPool {
 public:
  // Starts up to `threads` threads; with none (none could start), submit() runs jobs inline.
  explicit PublishPool(std::size_t threads);
  ~PublishPool();
  PublishPool(const PublishPool&) = delete;
  PublishPool& operator=(const PublishPool&) = delete;

  // Queues a job; jobs must not throw. Jobs touch only what no other thread touches until
  // drain() returned.
  void submit(std::function<void()> job);
  // Returns when every job submitted so far has finished.
  void drain();

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> jobs_;
  std::size_t running_ = 0;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kernels::detail
