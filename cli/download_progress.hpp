#pragma once

// Progress of `kernels download` on stderr: on a terminal, a bar per active transfer and a total
// line (bytes, rate, ETA), redrawn at most 10 times a second; otherwise one plain line per file
// started and finished; nothing with -q, --no-progress (bars only) or --json (bars only).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "kernels/ops/download.hpp"

#include "global_options.hpp"

namespace kernels::cli {

enum class ProgressStyle { none, lines, bars };

// Bars on a terminal (unless --no-progress or --json), plain lines elsewhere, nothing with -q.
[[nodiscard]] ProgressStyle progress_style(const GlobalOptions& global);

class DownloadProgress {
 public:
  DownloadProgress(ProgressStyle style, std::FILE* stream = stderr);
  ~DownloadProgress();
  DownloadProgress(const DownloadProgress&) = delete;
  DownloadProgress& operator=(const DownloadProgress&) = delete;

  // Callbacks bound to this object (it must outlive the download).
  [[nodiscard]] DownloadObserver observer();
  // Clears the bars.
  void finish();

 private:
  struct Active {
    std::uint64_t size = 0;
    std::uint64_t done = 0;
  };
  void started(const std::string& label, std::uint64_t size, std::uint64_t offset);
  void progressed(const std::string& label, std::uint64_t bytes);
  void finished(const std::string& label, bool ok);
  void note(const std::string& line);
  void draw(bool force);
  void clear();

  ProgressStyle style_;
  std::FILE* stream_;
  std::map<std::string, Active> active_;
  std::uint64_t total_size_ = 0;
  std::uint64_t total_done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
  int drawn_lines_ = 0;
};

// "1.5 MiB"
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);

}  // namespace kernels::cli
