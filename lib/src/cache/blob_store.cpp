#include "kernels/cache/blob_store.hpp"

#include <cerrno>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/util/encoding.hpp"

#include "util/os_error.hpp"

namespace kernels {
namespace {

constexpr std::size_t kReadChunk = std::size_t{1} << 20U;
constexpr std::size_t kWriteBufferBytes = std::size_t{1} << 20U;

tl::unexpected<Error> planted_link(const std::filesystem::path& link) {
  return fail(ErrorCode::integrity,
              "refusing to write through a symbolic link in the cache: the cache holds links "
              "only as the files of snapshots/; remove it and run again",
              link.string());
}

Result<int> open_lock_file(const std::filesystem::path& lock_file) {
  std::error_code error;
  std::filesystem::create_directories(lock_file.parent_path(), error);
  if (error) {
    return fail(ErrorCode::io, "cannot create the cache's lock folder: " + error.message(),
                lock_file.parent_path().string());
  }
  // 0664 as huggingface_hub's filelock creates them, so other users of a shared cache can lock.
  // O_NOFOLLOW: a lock file planted as a link would be created wherever it points.
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0664);
  if (fd < 0 && errno == ELOOP) return planted_link(lock_file);
  if (fd < 0) return detail::io_failure("cannot open the lock file", lock_file, errno);
  return fd;
}

Result<void> fsync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return detail::io_failure("cannot open the folder to sync it", folder, errno);
  const int result = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (result != 0) return detail::io_failure("cannot sync the folder", folder, saved);
  return {};
}

Result<void> write_all(int fd, std::span<const std::byte> bytes,
                       const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t count = ::write(fd, bytes.data(), bytes.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      return detail::io_failure("cannot write the download", path, errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(count));
  }
  return {};
}

std::string temp_suffix() {
  std::random_device device;
  return ".kernels-tmp." + std::to_string(::getpid()) + "." + std::to_string(device());
}

}  // namespace

// ---- CacheFileLock

Result<CacheFileLock> CacheFileLock::acquire_with(const std::filesystem::path& lock_file,
                                                  int operation) {
  auto fd = open_lock_file(lock_file);
  if (!fd) return tl::unexpected(fd.error());
  while (::flock(*fd, operation) != 0) {
    if (errno == EINTR) continue;
    const int saved = errno;
    ::close(*fd);
    return detail::io_failure("cannot lock", lock_file, saved);
  }
  return CacheFileLock(*fd);
}

Result<CacheFileLock> CacheFileLock::acquire(const std::filesystem::path& lock_file) {
  return acquire_with(lock_file, LOCK_EX);
}

Result<CacheFileLock> CacheFileLock::acquire_shared(const std::filesystem::path& lock_file) {
  return acquire_with(lock_file, LOCK_SH);
}

Result<std::optional<CacheFileLock>> CacheFileLock::try_acquire(
    const std::filesystem::path& lock_file) {
  auto fd = open_lock_file(lock_file);
  if (!fd) return tl::unexpected(fd.error());
  while (::flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int saved = errno;
    ::close(*fd);
    if (saved == EWOULDBLOCK) return std::optional<CacheFileLock>{};
    return detail::io_failure("cannot lock", lock_file, saved);
  }
  return std::optional<CacheFileLock>(CacheFileLock(*fd));
}

CacheFileLock::CacheFileLock(CacheFileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

CacheFileLock& CacheFileLock::operator=(CacheFileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

CacheFileLock::~CacheFileLock() {
  // Closing the descriptor releases the flock.
  if (fd_ >= 0) ::close(fd_);
}

// ---- BlobWriter

BlobWriter::BlobWriter(CacheRepo repo, CacheFile file, int fd)
    : repo_(std::move(repo)), file_(std::move(file)), fd_(fd) {
  reset_hasher();
}

BlobWriter::BlobWriter(BlobWriter&& other) noexcept
    : repo_(std::move(other.repo_)),
      file_(std::move(other.file_)),
      fd_(std::exchange(other.fd_, -1)),
      resumed_(other.resumed_),
      written_(other.written_),
      writeback_from_(other.writeback_from_),
      pending_(std::move(other.pending_)),
      sha256_(std::move(other.sha256_)),
      git_blob_(std::move(other.git_blob_)) {}

BlobWriter& BlobWriter::operator=(BlobWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      (void)flush();
      ::close(fd_);
    }
    repo_ = std::move(other.repo_);
    file_ = std::move(other.file_);
    fd_ = std::exchange(other.fd_, -1);
    resumed_ = other.resumed_;
    written_ = other.written_;
    writeback_from_ = other.writeback_from_;
    pending_ = std::move(other.pending_);
    sha256_ = std::move(other.sha256_);
    git_blob_ = std::move(other.git_blob_);
  }
  return *this;
}

BlobWriter::~BlobWriter() {
  // An unpublished .incomplete file stays, with what arrived: the next run resumes it.
  if (fd_ >= 0) {
    (void)flush();
    ::close(fd_);
  }
}

void BlobWriter::reset_hasher() {
  sha256_.reset();
  git_blob_.reset();
  if (etag_algorithm(file_.etag) == HashAlgorithm::sha256) {
    sha256_.emplace();
  } else {
    git_blob_.emplace(file_.size);
  }
}

void BlobWriter::feed(std::span<const std::byte> bytes) {
  if (sha256_) sha256_->update(bytes);
  if (git_blob_) git_blob_->update(bytes);
}

Result<BlobWriter> BlobWriter::open(const CacheRepo& repo, const CacheFile& file) {
  if (auto ok = validate_etag(file.etag, file.path); !ok) return tl::unexpected(ok.error());
  const auto path = repo.incomplete_path(file.etag);
  if (auto made = create_cache_folders(repo.cache_dir, path.parent_path()); !made) {
    return tl::unexpected(made.error());
  }
  // O_NOFOLLOW: an .incomplete file planted as a link would have the download written (and a
  // longer file truncated) wherever it points.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno == ELOOP) return planted_link(path);
  if (fd < 0) return detail::io_failure("cannot open the download file", path, errno);
  BlobWriter writer(repo, file, fd);

  struct stat info {};
  if (::fstat(fd, &info) != 0) return detail::io_failure("cannot stat", path, errno);
  const auto existing = static_cast<std::uint64_t>(info.st_size);
  if (existing > file.size) {
    if (auto ok = writer.restart(); !ok) return tl::unexpected(ok.error());
    return writer;
  }
  // Hash what a killed process left, so the digest covers the whole blob after the resume.
  std::vector<std::byte> buffer(kReadChunk);
  std::uint64_t offset = 0;
  while (offset < existing) {
    const ssize_t count = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (count < 0) {
      if (errno == EINTR) continue;
      return detail::io_failure("cannot read the partial download", path, errno);
    }
    if (count == 0) break;
    writer.feed(std::span(buffer.data(), static_cast<std::size_t>(count)));
    offset += static_cast<std::uint64_t>(count);
  }
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return detail::io_failure("cannot seek", path, errno);
  }
  writer.resumed_ = offset;
  writer.written_ = offset;
  writer.writeback_from_ = offset;
  return writer;
}

Result<void> BlobWriter::append(std::span<const std::byte> bytes) {
  if (fd_ < 0) return fail(ErrorCode::failure, "blob writer used after publish or discard");
  if (written_ + bytes.size() > file_.size) {
    return fail(ErrorCode::integrity, "the server sent more than the " +
                                          std::to_string(file_.size) +
                                          " bytes the listing gives for " + file_.path);
  }
  feed(bytes);
  written_ += bytes.size();
  // libcurl hands over at most 16 KiB a call; one write() per MiB instead of per 16 KiB.
  if (pending_.size() + bytes.size() > kWriteBufferBytes) {
    if (auto ok = flush(); !ok) return ok;
  }
  if (bytes.size() >= kWriteBufferBytes) {
    if (auto ok = write_all(fd_, bytes, repo_.incomplete_path(file_.etag)); !ok) return ok;
    start_writeback();
    return {};
  }
  // Reserved once: growing it by doubling copied each MiB a second time.
  if (pending_.capacity() < kWriteBufferBytes) pending_.reserve(kWriteBufferBytes);
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  return {};
}

Result<void> BlobWriter::flush() {
  if (pending_.empty()) return {};
  auto ok = write_all(fd_, pending_, repo_.incomplete_path(file_.etag));
  pending_.clear();
  if (ok) start_writeback();
  return ok;
}

void BlobWriter::start_writeback() noexcept {
#ifdef __linux__
  // Starts writing a large blob to disk without waiting, every 64 MiB, so that publish()'s fsync
  // finds little left to do (and the page cache does not fill with dirty pages during a large
  // download). Smaller blobs are left to publish(), which runs beside the other transfers: this
  // call can block the transfer thread while the disk's queue is full. Only a hint: errors are
  // fsync's to report.
  constexpr std::uint64_t kWritebackBytes = std::uint64_t{64} << 20U;
  const std::uint64_t on_disk = written_ - pending_.size();
  if (on_disk - writeback_from_ < kWritebackBytes) return;
  (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                          static_cast<off_t>(written_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
  writeback_from_ = written_;
#endif
}

Result<void> BlobWriter::restart() {
  const auto path = repo_.incomplete_path(file_.etag);
  if (::ftruncate(fd_, 0) != 0) return detail::io_failure("cannot truncate", path, errno);
  if (::lseek(fd_, 0, SEEK_SET) < 0) return detail::io_failure("cannot seek", path, errno);
  written_ = 0;
  resumed_ = 0;
  writeback_from_ = 0;
  pending_.clear();
  reset_hasher();
  return {};
}

Result<void> BlobWriter::publish() {
  if (fd_ < 0) return fail(ErrorCode::failure, "blob writer used after publish or discard");
  const auto incomplete = repo_.incomplete_path(file_.etag);
  if (auto flushed = flush(); !flushed) return flushed;
  // A batch holds a writer per blob until its end: only the ones still receiving keep a buffer.
  std::vector<std::byte>().swap(pending_);
  Result<std::string> actual = sha256_ ? sha256_->finish_hex() : git_blob_->finish_hex();
  std::string actual_text = actual ? *actual : std::string("(") + actual.error().message + ")";
  if (!actual || *actual != file_.etag || written_ != file_.size) {
    const std::uint64_t got = written_;
    discard();
    return fail(ErrorCode::integrity, "expected " + file_.etag + " (" + std::to_string(file_.size) +
                                          " bytes), got " + actual_text + " (" +
                                          std::to_string(got) + " bytes)");
  }
  if (::fsync(fd_) != 0) return detail::io_failure("cannot sync the download", incomplete, errno);
  ::close(fd_);
  fd_ = -1;
  const auto blob = repo_.blob_path(file_.etag);
  if (::rename(incomplete.c_str(), blob.c_str()) != 0) {
    return detail::io_failure("cannot publish the blob", blob, errno);
  }
  return fsync_folder(blob.parent_path());
}

void BlobWriter::discard() noexcept {
  std::vector<std::byte>().swap(pending_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::error_code ignored;
  std::filesystem::remove(repo_.incomplete_path(file_.etag), ignored);
}

// ---- snapshot links

Result<void> link_snapshot_file(const CacheRepo& repo, std::string_view commit,
                                const CacheFile& file) {
  if (snapshot_link_is(repo, commit, file)) return {};
  const auto link = repo.snapshot_path(commit, file.path);
  // Not create_directories: a link planted in place of snapshots/<commit>/build/<variant> (or
  // any folder above it) would have the snapshot's links made outside the cache.
  if (auto made = create_cache_folders(repo.cache_dir, link.parent_path()); !made) return made;
  std::error_code error;
  const std::filesystem::path temp = link.string() + temp_suffix();
  std::filesystem::create_symlink(snapshot_link_target(file.path, file.etag), temp, error);
  if (error) {
    return fail(ErrorCode::io, "cannot create the snapshot link: " + error.message(),
                temp.string());
  }
  // rename() replaces a link (or a stray file) atomically; readers see the old or the new one.
  if (::rename(temp.c_str(), link.c_str()) != 0) {
    const int saved = errno;
    std::filesystem::remove(temp, error);
    return detail::io_failure("cannot create the snapshot link", link, saved);
  }
  return {};
}

bool snapshot_link_is(const CacheRepo& repo, std::string_view commit, const CacheFile& file) {
  const auto link = repo.snapshot_path(commit, file.path);
  std::error_code error;
  if (!std::filesystem::is_symlink(std::filesystem::symlink_status(link, error))) return false;
  const auto target = std::filesystem::read_symlink(link, error);
  if (error) return false;
  const auto resolved =
      target.is_absolute() ? target : (link.parent_path() / target).lexically_normal();
  const auto blob = repo.blob_path(file.etag).lexically_normal();
  if (resolved != blob) {
    // huggingface_hub may have written an absolute link through another spelling of the path.
    const auto a = std::filesystem::weakly_canonical(resolved, error);
    if (error) return false;
    const auto b = std::filesystem::weakly_canonical(blob, error);
    if (error || a != b) return false;
  }
  return std::filesystem::is_regular_file(blob, error);
}

}  // namespace kernels
