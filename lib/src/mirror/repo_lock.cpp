#include "mirror/repo_lock.hpp"

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/os_error.hpp"

namespace kernels::mirror::detail {

Result<RepoLock> RepoLock::acquire(const std::filesystem::path& repo_dir) {
  std::error_code error;
  std::filesystem::create_directories(repo_dir, error);
  if (error) {
    return fail(ErrorCode::io, "cannot create the repo folder: " + error.message(),
                repo_dir.string());
  }
  const std::filesystem::path path = repo_dir / "lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return kernels::detail::io_failure("cannot open the repo's lock file", path, errno);
  RepoLock lock(fd);
  int status = -1;
  do {
    status = ::flock(fd, LOCK_EX);
  } while (status != 0 && errno == EINTR);
  if (status != 0) return kernels::detail::io_failure("cannot lock the repo", path, errno);
  return lock;
}

RepoLock::~RepoLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace kernels::mirror::detail
