#pragma once

// Writing a file so that readers see either the old content or the complete new content, never
// a part (DESIGN.md, reliability rules): the bytes go to a temporary file beside the destination,
// which is flushed to disk and renamed over the destination on commit().

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels {

// Every temporary file name contains this, e.g. "model.so.kernels-tmp.4242.9f3a61c0d2e4b5a7",
// so that leftovers of killed processes can be recognised and cleaned up.
inline constexpr std::string_view kAtomicTempInfix = ".kernels-tmp.";

// True when `filename` (a name, not a path) is one of AtomicFile's temporary files.
[[nodiscard]] bool is_atomic_temp_name(std::string_view filename);

struct AtomicFileOptions {
  // Permission bits of the new file, before the process umask applies.
  unsigned int mode = 0666;
  // false: commit() skips the two fsyncs (file and directory). Readers still see the old content
  // or the whole new one, but a crash of the machine may lose the write or leave an empty file:
  // for small files a reader checks and can do without (a cache's refs), where the fsyncs would
  // be most of the cost.
  bool durable = true;
};

class AtomicFile {
 public:
  // Creates the temporary file beside `destination`; the destination is not touched until
  // commit(). Fails (ErrorCode::io) when the directory is missing or not writable.
  [[nodiscard]] static Result<AtomicFile> create(const std::filesystem::path& destination,
                                                 AtomicFileOptions options = {});

  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends bytes. After a failure the writer is spent: commit() fails and nothing is published.
  [[nodiscard]] Result<void> write(std::span<const std::uint8_t> bytes);
  [[nodiscard]] Result<void> write(std::span<const std::byte> bytes);
  [[nodiscard]] Result<void> write(std::string_view bytes);

  // fsyncs the file, renames it over the destination, and fsyncs the directory so that the
  // rename survives a crash (only the rename unless durable). Call it at most once.
  [[nodiscard]] Result<void> commit();

  // Drops the temporary file now (what the destructor does for an uncommitted writer).
  void discard() noexcept;

  [[nodiscard]] const std::filesystem::path& destination() const { return destination_; }
  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  enum class State { writing, committed, failed, discarded };

  AtomicFile(std::filesystem::path destination, std::filesystem::path temp_path, int fd,
             bool durable);
  void close_and_remove_temp() noexcept;
  tl::unexpected<Error> spend(tl::unexpected<Error> error) noexcept;

  std::filesystem::path destination_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  bool durable_ = true;
  State state_ = State::discarded;
};

// Replaces (or creates) `path` with `content` through an AtomicFile.
[[nodiscard]] Result<void> write_file_atomically(const std::filesystem::path& path,
                                                 std::string_view content,
                                                 AtomicFileOptions options = {});

}  // namespace kernels
