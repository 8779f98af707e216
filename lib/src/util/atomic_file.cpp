#include "kernels/util/atomic_file.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <random>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/util/encoding.hpp"

#include "util/os_error.hpp"

namespace kernels {
namespace {

// POSIX NAME_MAX on Linux and macOS: a longer temporary name would fail with ENAMETOOLONG.
constexpr std::size_t kMaxFileNameBytes = 255;
constexpr int kCreateAttempts = 16;

std::uint64_t random_suffix() {
  try {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ std::uint64_t{device()};
  } catch (...) {
    // Uniqueness, not secrecy, is what matters (O_EXCL guards against clashes).
    return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
}

std::string temp_file_name(const std::string& destination_name) {
  const std::uint64_t random = random_suffix();
  std::array<std::uint8_t, 8> random_bytes{};
  for (std::size_t i = 0; i < random_bytes.size(); ++i) {
    random_bytes[i] = static_cast<std::uint8_t>((random >> (8 * i)) & 0xFF);
  }
  const std::string suffix =
      std::string(kAtomicTempInfix) + std::to_string(::getpid()) + "." + hex_encode(random_bytes);
  const std::size_t room = kMaxFileNameBytes - suffix.size();
  return destination_name.substr(0, room) + suffix;
}

std::filesystem::path directory_of(const std::filesystem::path& destination) {
  std::filesystem::path directory = destination.parent_path();
  return directory.empty() ? std::filesystem::path(".") : directory;
}

std::string quoted(const std::filesystem::path& path) {
  // Appending (rather than "'" + ... + "'") sidesteps GCC 12's false -Wrestrict at -O3 (PR 105329).
  std::string text = "'";
  text += path.native();
  text += '\'';
  return text;
}

}  // namespace

bool is_atomic_temp_name(std::string_view filename) {
  return filename.find(kAtomicTempInfix) != std::string_view::npos;
}

Result<AtomicFile> AtomicFile::create(const std::filesystem::path& destination,
                                      AtomicFileOptions options) {
  const std::string name = destination.filename().string();
  if (name.empty() || name == "." || name == "..") {
    return fail(ErrorCode::invalid_input, "an atomic write needs a file name, not a directory",
                destination.string());
  }
  const std::filesystem::path directory = directory_of(destination);
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    std::filesystem::path temp_path = directory / temp_file_name(name);
    int fd = -1;
    do {
      fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  static_cast<mode_t>(options.mode));
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0) return AtomicFile(destination, std::move(temp_path), fd, options.durable);
    const int error_number = errno;
    if (error_number != EEXIST) {
      return detail::io_failure("cannot create a temporary file in directory " + quoted(directory),
                                destination, error_number);
    }
  }
  return fail(ErrorCode::io,
              "cannot create a temporary file in directory " + quoted(directory) + " after " +
                  std::to_string(kCreateAttempts) + " attempts: names keep colliding",
              destination.string());
}

AtomicFile::AtomicFile(std::filesystem::path destination, std::filesystem::path temp_path, int fd,
                       bool durable)
    : destination_(std::move(destination)),
      temp_path_(std::move(temp_path)),
      fd_(fd),
      durable_(durable),
      state_(State::writing) {}

AtomicFile::~AtomicFile() {
  discard();
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : destination_(std::move(other.destination_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      durable_(other.durable_),
      state_(std::exchange(other.state_, State::discarded)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    discard();
    destination_ = std::move(other.destination_);
    temp_path_ = std::move(other.temp_path_);
    fd_ = std::exchange(other.fd_, -1);
    durable_ = other.durable_;
    state_ = std::exchange(other.state_, State::discarded);
  }
  return *this;
}

void AtomicFile::close_and_remove_temp() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  ::unlink(temp_path_.c_str());
}

void AtomicFile::discard() noexcept {
  if (state_ == State::writing) close_and_remove_temp();
  if (state_ != State::committed) state_ = State::discarded;
}

tl::unexpected<Error> AtomicFile::spend(tl::unexpected<Error> error) noexcept {
  close_and_remove_temp();
  state_ = State::failed;
  return error;
}

Result<void> AtomicFile::write(std::span<const std::uint8_t> bytes) {
  if (state_ != State::writing) {
    return fail(ErrorCode::failure, "write to an atomic file that is already committed or spent",
                destination_.string());
  }
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      const int error_number = errno;
      if (error_number == EINTR) continue;
      return spend(detail::io_failure("cannot write temporary file " + quoted(temp_path_),
                                      destination_, error_number));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
  return {};
}

Result<void> AtomicFile::write(std::span<const std::byte> bytes) {
  return write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                             bytes.size()));
}

Result<void> AtomicFile::write(std::string_view bytes) {
  return write(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                             bytes.size()));
}

Result<void> AtomicFile::commit() {
  if (state_ != State::writing) {
    return fail(ErrorCode::failure, "commit of an atomic file that is already committed or spent",
                destination_.string());
  }
  if (durable_ && ::fsync(fd_) != 0) {
    const int error_number = errno;
    return spend(
        detail::io_failure("cannot flush temporary file " + quoted(temp_path_) + " to disk",
                           destination_, error_number));
  }
  // close() can report a deferred write error (NFS), so it is checked before publishing.
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int error_number = errno;
    return spend(detail::io_failure("cannot close temporary file " + quoted(temp_path_),
                                    destination_, error_number));
  }
  if (::rename(temp_path_.c_str(), destination_.c_str()) != 0) {
    const int error_number = errno;
    return spend(detail::io_failure(
        "cannot rename temporary file " + quoted(temp_path_) + " over the destination",
        destination_, error_number));
  }
  state_ = State::committed;
  if (!durable_) return {};

  // The rename lives in the directory; without syncing it a crash can bring the old file back.
  const std::filesystem::path directory = directory_of(destination_);
  int directory_fd = -1;
  do {
    directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (directory_fd < 0 && errno == EINTR);
  if (directory_fd < 0) {
    const int error_number = errno;
    return detail::io_failure(
        "file written, but cannot open its directory " + quoted(directory) + " to flush it to disk",
        destination_, error_number);
  }
  const int sync_result = ::fsync(directory_fd);
  const int sync_error = errno;
  ::close(directory_fd);
  // Some file systems cannot sync a directory at all; there is nothing more to do on them.
  if (sync_result != 0 && sync_error != EINVAL && sync_error != ENOTSUP) {
    return detail::io_failure(
        "file written, but cannot flush its directory " + quoted(directory) + " to disk",
        destination_, sync_error);
  }
  return {};
}

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content,
                                   AtomicFileOptions options) {
  auto file = AtomicFile::create(path, options);
  if (!file) return tl::unexpected<Error>(std::move(file.error()));
  if (auto written = file->write(content); !written) return written;
  return file->commit();
}

}  // namespace kernels
