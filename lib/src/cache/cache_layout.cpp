#include "kernels/cache/cache_layout.hpp"

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <sys/stat.h>

#include "kernels/util/encoding.hpp"

#include "util/os_error.hpp"

namespace kernels {

std::string CacheRepo::folder_name() const {
  return cache_repo_folder_name(repo_id, type);
}

std::filesystem::path CacheRepo::folder() const {
  return cache_dir / folder_name();
}

std::filesystem::path CacheRepo::blobs_dir() const {
  return folder() / "blobs";
}

std::filesystem::path CacheRepo::blob_path(std::string_view etag) const {
  return blobs_dir() / std::string(etag);
}

std::filesystem::path CacheRepo::incomplete_path(std::string_view etag) const {
  return blobs_dir() / (std::string(etag) + ".incomplete");
}

std::filesystem::path CacheRepo::lock_path(std::string_view etag) const {
  return cache_dir / ".locks" / folder_name() / (std::string(etag) + ".lock");
}

std::filesystem::path CacheRepo::download_lock_path() const {
  // Not 40 or 64 hex digits: no blob's lock file has this name.
  return cache_dir / ".locks" / folder_name() / "kernels-download.lock";
}

std::filesystem::path CacheRepo::snapshot_dir(std::string_view commit) const {
  return folder() / "snapshots" / std::string(commit);
}

std::filesystem::path CacheRepo::snapshot_path(std::string_view commit,
                                               std::string_view repo_path) const {
  return snapshot_dir(commit) / std::filesystem::path(std::string(repo_path));
}

std::filesystem::path CacheRepo::variant_dir(std::string_view commit,
                                             std::string_view variant) const {
  return snapshot_dir(commit) / "build" / std::string(variant);
}

std::filesystem::path CacheRepo::marker_path(std::string_view commit,
                                             std::string_view variant) const {
  return folder() / "kernels-verified" / std::string(commit) / (std::string(variant) + ".json");
}

namespace {

tl::unexpected<Error> planted_link(const std::filesystem::path& link) {
  std::error_code error;
  const auto target = std::filesystem::read_symlink(link, error);
  return fail(ErrorCode::integrity,
              "refusing to write through a symbolic link in the cache" +
                  (error ? std::string() : " (it points to " + target.string() + ")") +
                  ": the cache holds links only as the files of snapshots/; remove it and run "
                  "again",
              link.string());
}

}  // namespace

Result<void> create_cache_folders(const std::filesystem::path& cache_dir,
                                  const std::filesystem::path& dir) {
  const auto relative = dir.lexically_normal().lexically_relative(cache_dir.lexically_normal());
  if (relative.empty() || *relative.begin() == "..") {
    return fail(ErrorCode::failure, "a cache folder outside the cache was asked for (a bug)",
                dir.string());
  }
  std::error_code error;
  std::filesystem::create_directories(cache_dir, error);
  if (error) {
    return fail(ErrorCode::io, "cannot create the cache folder: " + error.message(),
                cache_dir.string());
  }
  // One component at a time with lstat, so that no link below the cache folder is followed.
  // (A process that can replace a folder of the cache between this check and the write can
  // write there itself anyway: this guards against what was planted before the download.)
  std::filesystem::path current = cache_dir;
  for (const auto& component : relative) {
    if (component == ".") continue;
    current /= component;
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0) {
      if (errno != ENOENT) return detail::io_failure("cannot inspect", current, errno);
      // 0777 less the umask, as create_directories makes them: a cache shared by a group
      // (umask 002) needs group-writable folders.
      if (::mkdir(current.c_str(), 0777) == 0) continue;
      if (errno != EEXIST) return detail::io_failure("cannot create the folder", current, errno);
      if (::lstat(current.c_str(), &info) != 0) {
        return detail::io_failure("cannot inspect", current, errno);
      }
    }
    if (S_ISLNK(info.st_mode)) return planted_link(current);
    if (!S_ISDIR(info.st_mode)) {
      return fail(ErrorCode::integrity,
                  "the cache has a file where a folder belongs; remove it and run again",
                  current.string());
    }
  }
  return {};
}

CacheRepo find_cache_repo(const std::filesystem::path& cache_dir, std::string_view repo_id) {
  CacheRepo kernel{cache_dir, std::string(repo_id), RepoType::kernel};
  CacheRepo model{cache_dir, std::string(repo_id), RepoType::model};
  std::error_code error;
  if (!std::filesystem::exists(kernel.folder(), error) &&
      std::filesystem::exists(model.folder(), error)) {
    return model;
  }
  return kernel;
}

Result<void> validate_etag(std::string_view etag, std::string_view what) {
  const bool hex = std::all_of(etag.begin(), etag.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if ((etag.size() != 40 && etag.size() != 64) || !hex) {
    return fail(ErrorCode::invalid_input, "refusing blob name '" + std::string(etag) + "' for " +
                                              std::string(what) +
                                              ": not 40 or 64 lowercase hex digits");
  }
  return {};
}

HashAlgorithm etag_algorithm(std::string_view etag) {
  return etag.size() == 64 ? HashAlgorithm::sha256 : HashAlgorithm::sha1;
}

bool is_temporary_link_name(std::string_view repo_path) {
  return repo_path.find(".kernels-tmp.") != std::string_view::npos;
}

bool is_bytecode_path(std::string_view repo_path) {
  if (repo_path.ends_with(".pyc")) return true;
  std::string_view rest = repo_path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    if (rest.substr(0, slash) == "__pycache__") return true;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return false;
}

std::string variant_prefix(std::string_view variant) {
  return "build/" + std::string(variant) + "/";
}

std::string snapshot_link_target(std::string_view repo_path, std::string_view etag) {
  // From snapshots/<commit>/<dirs...>/<file>: one "../" per folder of the path, then two more
  // for <commit> and snapshots.
  const auto folders =
      static_cast<std::size_t>(std::count(repo_path.begin(), repo_path.end(), '/'));
  std::string target;
  for (std::size_t i = 0; i < folders + 2; ++i)
    target += "../";
  return target + "blobs/" + std::string(etag);
}

Result<std::string> hash_cached_file(const std::filesystem::path& file, std::string_view etag) {
  if (etag_algorithm(etag) == HashAlgorithm::sha256) {
    auto digest = hash_file(file, HashAlgorithm::sha256);
    if (!digest) return tl::unexpected(digest.error());
    return hex_encode(*digest);
  }
  return git_blob_id_of_file(file);
}

}  // namespace kernels
