#include "mirror/file_io.hpp"

#include <cerrno>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/os_error.hpp"

namespace kernels::mirror::detail {
namespace {

constexpr std::size_t kChunkBytes = 1U << 20;

// A file descriptor closed when it goes out of scope.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

int open_for_reading(const std::filesystem::path& path) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// Reads up to `size` bytes; 0 at the end of the file, -1 on an error (errno set).
ssize_t read_some(int fd, char* buffer, std::size_t size) {
  ssize_t count = -1;
  do {
    count = ::read(fd, buffer, size);
  } while (count < 0 && errno == EINTR);
  return count;
}

}  // namespace

Result<std::optional<std::string>> read_file_if_exists(const std::filesystem::path& path,
                                                       std::uintmax_t max_bytes) {
  const Descriptor file(open_for_reading(path));
  if (file.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return kernels::detail::io_failure("cannot open the file", path, errno);
  }
  std::string content;
  std::vector<char> buffer(64U << 10);
  for (;;) {
    const ssize_t count = read_some(file.get(), buffer.data(), buffer.size());
    if (count < 0) return kernels::detail::io_failure("cannot read the file", path, errno);
    if (count == 0) break;
    if (content.size() + static_cast<std::size_t>(count) > max_bytes) {
      return fail(ErrorCode::invalid_input,
                  "the file is larger than " + std::to_string(max_bytes) +
                      " bytes, more than a mirror file can be; is it the right file?",
                  path.string());
    }
    content.append(buffer.data(), static_cast<std::size_t>(count));
  }
  return std::optional<std::string>{std::move(content)};
}

Result<void> for_each_chunk(const std::filesystem::path& path,
                            const std::function<Result<void>(std::string_view chunk)>& consume) {
  const Descriptor file(open_for_reading(path));
  if (file.get() < 0) return kernels::detail::io_failure("cannot open the file", path, errno);
  std::vector<char> buffer(kChunkBytes);
  for (;;) {
    const ssize_t count = read_some(file.get(), buffer.data(), buffer.size());
    if (count < 0) return kernels::detail::io_failure("cannot read the file", path, errno);
    if (count == 0) return {};
    if (auto ok = consume(std::string_view(buffer.data(), static_cast<std::size_t>(count))); !ok) {
      return ok;
    }
  }
}

}  // namespace kernels::mirror::detail
