#include "download_progress.hpp"

#include <algorithm>

#include <unistd.h>

namespace kernels::cli {
namespace {

constexpr int kBarWidth = 24;
constexpr std::size_t kLabelWidth = 48;

std::string bar(std::uint64_t done, std::uint64_t size) {
  const double share = size == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(size);
  const int filled = std::clamp(static_cast<int>(share * kBarWidth), 0, kBarWidth);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kBarWidth - filled), '.') + "]";
}

std::string shorten(const std::string& label) {
  if (label.size() <= kLabelWidth) return label;
  return "..." + label.substr(label.size() - (kLabelWidth - 3));
}

}  // namespace

ProgressStyle progress_style(const GlobalOptions& global) {
  if (global.quiet) return ProgressStyle::none;
  if (::isatty(STDERR_FILENO) == 1) {
    return global.no_progress || global.json ? ProgressStyle::none : ProgressStyle::bars;
  }
  return ProgressStyle::lines;
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

DownloadProgress::DownloadProgress(ProgressStyle style, std::FILE* stream)
    : style_(style), stream_(stream) {}

DownloadProgress::~DownloadProgress() {
  finish();
}

DownloadObserver DownloadProgress::observer() {
  DownloadObserver observer;
  if (style_ == ProgressStyle::none) return observer;
  observer.started = [this](const std::string& label, std::uint64_t size, std::uint64_t offset) {
    started(label, size, offset);
  };
  observer.progressed = [this](const std::string& label, std::uint64_t bytes) {
    progressed(label, bytes);
  };
  observer.finished = [this](const std::string& label, bool ok) { finished(label, ok); };
  observer.note = [this](const std::string& line) { note(line); };
  return observer;
}

void DownloadProgress::started(const std::string& label, std::uint64_t size, std::uint64_t offset) {
  auto found = active_.find(label);
  if (found == active_.end()) {
    total_size_ += size;
  } else {
    total_done_ -= std::min(total_done_, found->second.done);  // a restart from 0
  }
  active_[label] = Active{size, offset};
  total_done_ += offset;
  if (style_ == ProgressStyle::lines) {
    std::fprintf(stream_, "kernels: fetching %s (%s%s)\n", label.c_str(), human_bytes(size).c_str(),
                 offset > 0 ? (", resuming at " + human_bytes(offset)).c_str() : "");
  }
  draw(true);
}

void DownloadProgress::progressed(const std::string& label, std::uint64_t bytes) {
  active_[label].done += bytes;
  total_done_ += bytes;
  draw(false);
}

void DownloadProgress::finished(const std::string& label, bool ok) {
  active_.erase(label);
  if (style_ == ProgressStyle::lines) {
    std::fprintf(stream_, "kernels: %s %s\n", ok ? "fetched" : "failed", label.c_str());
  }
  draw(true);
}

void DownloadProgress::note(const std::string& line) {
  clear();
  std::fprintf(stream_, "kernels: %s\n", line.c_str());
  draw(true);
}

void DownloadProgress::clear() {
  if (style_ != ProgressStyle::bars) return;
  for (int i = 0; i < drawn_lines_; ++i)
    std::fputs("\x1b[1A\x1b[2K", stream_);
  drawn_lines_ = 0;
}

void DownloadProgress::draw(bool force) {
  if (style_ != ProgressStyle::bars) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  clear();
  for (const auto& [label, active] : active_) {
    std::fprintf(stream_, "%-*s %s %s / %s\n", static_cast<int>(kLabelWidth),
                 shorten(label).c_str(), bar(active.done, active.size).c_str(),
                 human_bytes(active.done).c_str(), human_bytes(active.size).c_str());
    ++drawn_lines_;
  }
  if (total_size_ > 0) {
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(total_done_) / seconds : 0;
    std::string eta = "--";
    if (rate > 0 && total_size_ >= total_done_) {
      eta = std::to_string(
                static_cast<long long>(static_cast<double>(total_size_ - total_done_) / rate)) +
            " s";
    }
    std::fprintf(stream_, "%-*s %s %s / %s  %s/s  ETA %s\n", static_cast<int>(kLabelWidth), "total",
                 bar(total_done_, total_size_).c_str(), human_bytes(total_done_).c_str(),
                 human_bytes(total_size_).c_str(),
                 human_bytes(static_cast<std::uint64_t>(rate)).c_str(), eta.c_str());
    ++drawn_lines_;
  }
  std::fflush(stream_);
}

void DownloadProgress::finish() {
  clear();
  active_.clear();
}

}  // namespace kernels::cli
