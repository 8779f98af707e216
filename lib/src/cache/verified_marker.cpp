#include "kernels/cache/verified_marker.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "kernels/cache/blob_store.hpp"
#include "kernels/util/atomic_file.hpp"
#include "kernels/util/text_file.hpp"

#include "util/file_descriptor.hpp"
#include "util/os_error.hpp"

namespace kernels {
namespace {

constexpr std::size_t kMaxMarkerBytes = std::size_t{64} << 20U;

std::int64_t mtime_ns(const struct stat& info) {
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL +
         static_cast<std::int64_t>(info.st_mtim.tv_nsec);
}

// Appends the entries under the open folder `dir_fd` (links and files; folders are descended
// into, links to folders are not) as `prefix` + their relative path, bytecode and temporary
// links left out. readdir's d_type spares a stat() per entry; false when a folder cannot be read.
bool collect_folder_paths(int dir_fd, const std::string& prefix, std::vector<std::string>& paths,
                          int depth) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    ::close(dir_fd);
    return false;
  }
  bool complete = depth < 64;  // deeper than any kernel's package: a loop or a hostile tree
  while (complete) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      complete = errno == 0;
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat info {};
      if (::fstatat(::dirfd(dir), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) {
        complete = false;
        break;
      }
      type = S_ISDIR(info.st_mode) ? DT_DIR : DT_REG;
    }
    const std::string path = prefix + std::string(name);
    if (type == DT_DIR) {
      const int inner =
          ::openat(::dirfd(dir), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      complete = inner >= 0 && collect_folder_paths(inner, path + "/", paths, depth + 1);
    } else if (!is_bytecode_path(path) && !is_temporary_link_name(path)) {
      paths.push_back(path);
    }
  }
  ::closedir(dir);
  return complete;
}

// Whether the snapshot link of `file` (a path under the snapshot folder `snapshot_fd`) points to
// its blob: the relative link this tool and huggingface_hub write, read with one readlinkat();
// any other spelling through the general check.
bool link_points_to_blob(const CacheRepo& repo, int snapshot_fd, std::string_view commit,
                         const VerifiedFile& file) {
  std::array<char, 4096> target{};
  const ssize_t length = ::readlinkat(snapshot_fd, file.path.c_str(), target.data(), target.size());
  if (length < 0) return false;  // gone, or not a link
  const std::string_view actual(target.data(), static_cast<std::size_t>(length));
  if (actual == snapshot_link_target(file.path, file.etag)) return true;
  return snapshot_link_is(repo, commit, CacheFile{file.path, file.etag, file.size});
}

}  // namespace

std::string serialize_verified_marker(const VerifiedMarker& marker) {
  nlohmann::json files = nlohmann::json::array();
  for (const VerifiedFile& file : marker.files) {
    files.push_back({{"path", file.path},
                     {"etag", file.etag},
                     {"size", file.size},
                     {"mtime_ns", file.mtime_ns}});
  }
  const nlohmann::json document{{"format", "kernels-verified"},
                                {"version", 1},
                                {"repo_id", marker.repo_id},
                                {"commit", marker.commit},
                                {"variant", marker.variant},
                                {"lock_hash", marker.lock_hash},
                                {"files", files}};
  return document.dump(1);
}

Result<VerifiedMarker> parse_verified_marker(std::string_view text) {
  try {
    // ordered_json, parsed from a string_view: the same parser the lockfile and metadata.json use
    // (one instantiation of its code for the loader to page in).
    const auto document = nlohmann::ordered_json::parse(text.begin(), text.end());
    if (document.at("format").get<std::string>() != "kernels-verified" ||
        document.at("version").get<int>() != 1) {
      return fail(ErrorCode::invalid_input, "not a version 1 kernels-verified marker");
    }
    VerifiedMarker marker;
    marker.repo_id = document.at("repo_id").get<std::string>();
    marker.commit = document.at("commit").get<std::string>();
    marker.variant = document.at("variant").get<std::string>();
    marker.lock_hash = document.at("lock_hash").get<std::string>();
    for (const auto& entry : document.at("files")) {
      VerifiedFile file;
      file.path = entry.at("path").get<std::string>();
      file.etag = entry.at("etag").get<std::string>();
      file.size = entry.at("size").get<std::uint64_t>();
      file.mtime_ns = entry.at("mtime_ns").get<std::int64_t>();
      if (auto ok = validate_etag(file.etag, file.path); !ok) return tl::unexpected(ok.error());
      marker.files.push_back(std::move(file));
    }
    return marker;
  } catch (const nlohmann::json::exception& error) {
    return fail(ErrorCode::invalid_input,
                std::string("malformed kernels-verified marker: ") + error.what());
  }
}

Result<void> write_verified_marker(const CacheRepo& repo, const VerifiedMarker& marker) {
  const auto path = repo.marker_path(marker.commit, marker.variant);
  // Not create_directories: a link planted in place of the repo's folder would take the marker
  // outside the cache.
  if (auto made = create_cache_folders(repo.cache_dir, path.parent_path()); !made) return made;
  return write_file_atomically(path, serialize_verified_marker(marker),
                               AtomicFileOptions{.durable = false});
}

std::optional<VerifiedMarker> read_verified_marker(const CacheRepo& repo, std::string_view commit,
                                                   std::string_view variant) {
  const auto content = read_text_file(repo.marker_path(commit, variant), kMaxMarkerBytes);
  if (!content) return std::nullopt;
  auto marker = parse_verified_marker(*content);
  if (!marker || marker->repo_id != repo.repo_id || marker->commit != commit ||
      marker->variant != variant) {
    return std::nullopt;
  }
  return *marker;
}

void remove_verified_marker(const CacheRepo& repo, std::string_view commit,
                            std::string_view variant) {
  const auto path = repo.marker_path(commit, variant);
  // Not through a link planted in place of the marker's folder: that would remove a file outside
  // the cache.
  if (!create_cache_folders(repo.cache_dir, path.parent_path())) return;
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

void touch_verified_marker(const CacheRepo& repo, std::string_view commit,
                           std::string_view variant) noexcept {
  try {
    const auto path = repo.marker_path(commit, variant);
    (void)::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
  } catch (...) {  // NOLINT(bugprone-empty-catch): building the path may throw; nothing to do
  }
}

Result<VerifiedFile> stat_cached_file(const CacheRepo& repo, const CacheFile& file) {
  const auto blob = repo.blob_path(file.etag);
  struct stat info {};
  if (::stat(blob.c_str(), &info) != 0) return detail::io_failure("cannot stat", blob, errno);
  return VerifiedFile{file.path, file.etag, static_cast<std::uint64_t>(info.st_size),
                      mtime_ns(info)};
}

bool marker_still_holds(const CacheRepo& repo, const VerifiedMarker& marker,
                        std::string_view lock_hash) {
  if (!lock_hash.empty() && marker.lock_hash != lock_hash) return false;
  if (marker.files.empty()) return false;
  // Paths relative to two open folders: the loader runs this on its cold path, and the system
  // calls per file (one readlinkat, one fstatat) are most of its cost.
  const detail::FileDescriptor snapshot{
      ::open(repo.snapshot_dir(marker.commit).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  const detail::FileDescriptor blobs{
      ::open(repo.blobs_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!snapshot.valid() || !blobs.valid()) return false;
  std::vector<std::string> recorded;
  recorded.reserve(marker.files.size());
  for (const VerifiedFile& file : marker.files) {
    if (!link_points_to_blob(repo, snapshot.get(), marker.commit, file)) return false;
    struct stat info {};
    if (::fstatat(blobs.get(), file.etag.c_str(), &info, 0) != 0 || !S_ISREG(info.st_mode) ||
        static_cast<std::uint64_t>(info.st_size) != file.size || mtime_ns(info) != file.mtime_ns) {
      return false;
    }
    recorded.push_back(file.path);
  }
  std::sort(recorded.begin(), recorded.end());
  const std::string prefix = variant_prefix(marker.variant);
  const std::string folder = prefix.substr(0, prefix.size() - 1);  // no '/': O_NOFOLLOW holds
  const int variant_fd =
      ::openat(snapshot.get(), folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  std::vector<std::string> present;
  if (variant_fd < 0 || !collect_folder_paths(variant_fd, prefix, present, 0)) return false;
  std::sort(present.begin(), present.end());
  return recorded == present;
}

}  // namespace kernels
