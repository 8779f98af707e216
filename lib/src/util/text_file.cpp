#include "kernels/util/text_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file_descriptor.hpp"
#include "util/os_error.hpp"

namespace kernels {

std::string describe_size(std::size_t bytes) {
  constexpr std::size_t kKiB = 1024;
  if (bytes % (kKiB * kKiB) == 0 && bytes > 0) return std::to_string(bytes / kKiB / kKiB) + " MiB";
  if (bytes % kKiB == 0 && bytes > 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> read_text_file(const std::filesystem::path& file, std::size_t max_bytes) {
  // Plain system calls (open, fstat, read until EOF, close): the loader reads the lockfile, the
  // verified marker and metadata.json on its cold path, where each extra stat() shows.
  const std::string where = file.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int saved = errno;
    if (saved == ENOENT || saved == ENOTDIR)
      return fail(ErrorCode::not_found, "the file does not exist", where);
    return detail::io_failure("cannot open the file", file, saved);
  }
  const detail::FileDescriptor closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) return detail::io_failure("cannot read the file", file, errno);
  if (S_ISDIR(info.st_mode)) {
    return fail(ErrorCode::io, "this is a directory, expected a file", where);
  }
  const auto too_large = [&] {
    return fail(ErrorCode::invalid_input,
                "the file is larger than " + describe_size(max_bytes) +
                    "; refusing to read it (is it really this kind of file?)",
                where);
  };
  if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    return too_large();
  }
  // Read up to one byte past the limit, so that a file growing while it is read, or a pipe, is
  // caught as well as a large regular file.
  std::string content;
  std::size_t chunk = S_ISREG(info.st_mode) ? static_cast<std::size_t>(info.st_size) + 1 : 65536;
  for (;;) {
    const std::size_t used = content.size();
    content.resize(used + std::min(chunk, max_bytes + 1 - used));
    const ssize_t got = ::read(fd, content.data() + used, content.size() - used);
    if (got < 0) {
      if (errno == EINTR) {
        content.resize(used);
        continue;
      }
      return detail::io_failure("reading the file failed", file, errno);
    }
    content.resize(used + static_cast<std::size_t>(got));
    if (content.size() > max_bytes) return too_large();
    if (got == 0) return content;
    // The next read normally only confirms the end; a file still growing gets larger chunks.
    chunk = used == 0 ? 4096 : 65536;
  }
}

}  // namespace kernels
