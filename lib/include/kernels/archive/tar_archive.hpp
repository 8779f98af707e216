#pragma once

// zstd-compressed tar archives for `kernels bundle` (written and read with libarchive; no
// libarchive type appears here).
//
// A bundle travels between machines and may come from anyone, so the reader trusts nothing: a
// member must be a regular file or a directory (links, hard links, devices and FIFOs are refused,
// so nothing can point out of the extraction root), its path must be relative, '/'-separated,
// without empty, "." or ".." components, backslashes or control characters, and the number of
// members, each member's size and the total size are bounded. A refused member fails the whole
// read with ErrorCode::invalid_input naming the member and the rule.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels {

// Checks a member path as the reader does (exposed for the writer's callers and for tests).
[[nodiscard]] Result<void> validate_archive_member_path(std::string_view path);

struct TarWriterOptions {
  int zstd_level = 3;
};

// Writes an archive to a temporary file beside `destination` and renames it into place on
// finish(): a killed export leaves no half archive under the final name.
class TarWriter {
 public:
  [[nodiscard]] static Result<TarWriter> create(const std::filesystem::path& destination,
                                                TarWriterOptions options = {});
  ~TarWriter();
  TarWriter(TarWriter&& other) noexcept;
  TarWriter& operator=(TarWriter&& other) noexcept;
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Adds the content of `source` (streamed, constant memory) as the regular file `member_path`.
  [[nodiscard]] Result<void> add_file(std::string_view member_path,
                                      const std::filesystem::path& source);
  // Adds `bytes` as the regular file `member_path`.
  [[nodiscard]] Result<void> add_bytes(std::string_view member_path, std::string_view bytes);
  // Writes the archive's end, makes it durable and publishes it. Call it once.
  [[nodiscard]] Result<void> finish();

 private:
  struct State;
  explicit TarWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

struct TarReadLimits {
  std::size_t max_members = 100'000;
  std::uint64_t max_member_bytes = std::uint64_t{64} << 30U;  // 64 GiB
  std::uint64_t max_total_bytes = std::uint64_t{256} << 30U;  // 256 GiB
};

struct TarMember {
  std::string path;
  std::uint64_t size = 0;  // as the header announces it; the reader checks it against the data
};

// Reads the next block of a member's data into `buffer`; 0 at the member's end.
using TarDataReader = std::function<Result<std::size_t>(std::span<std::byte> buffer)>;

// Calls `visit` for every regular file in archive order (directories are accepted and skipped).
// `visit` may read the member's data through the reader or leave it; an error it returns stops
// the read and is returned unchanged. Compression (zstd, gzip, xz or none) is detected.
[[nodiscard]] Result<void> read_tar(
    const std::filesystem::path& archive,
    const std::function<Result<void>(const TarMember&, const TarDataReader&)>& visit,
    TarReadLimits limits = {});

// The same over an archive in memory (for tests and the fuzz target); `name` is for messages.
[[nodiscard]] Result<void> read_tar(
    std::span<const std::byte> bytes, std::string_view name,
    const std::function<Result<void>(const TarMember&, const TarDataReader&)>& visit,
    TarReadLimits limits = {});

}  // namespace kernels
