#include "kernels/cache/verified_marker.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "kernels/cache/blob_store.hpp"
#include "kernels/util/atomic_file.hpp"

#include "util/os_error.hpp"

namespace kernels {
namespace {

constexpr std::size_t kMaxMarkerBytes = std::size_t{64} << 20U;

std::int64_t mtime_ns(const struct stat& info) {
  return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL +
         static_cast<std::int64_t>(info.st_mtim.tv_nsec);
}

// Regular, non-bytecode entries of the variant folder, as repository paths.
std::vector<std::string> variant_folder_paths(const CacheRepo& repo, std::string_view commit,
                                              std::string_view variant) {
  std::vector<std::string> paths;
  const auto folder = repo.variant_dir(commit, variant);
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_directory(error) && !it->is_symlink(error)) continue;
    const std::string relative = it->path().lexically_relative(folder).generic_string();
    const std::string path = variant_prefix(variant) + relative;
    if (!is_bytecode_path(path) && !is_temporary_link_name(path)) paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
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
    const auto document = nlohmann::json::parse(text);
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
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return fail(ErrorCode::io, "cannot create the marker folder: " + error.message(),
                path.parent_path().string());
  }
  return write_file_atomically(path, serialize_verified_marker(marker),
                               AtomicFileOptions{.durable = false});
}

std::optional<VerifiedMarker> read_verified_marker(const CacheRepo& repo, std::string_view commit,
                                                   std::string_view variant) {
  const auto path = repo.marker_path(commit, variant);
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error || size > kMaxMarkerBytes) return std::nullopt;
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  auto marker = parse_verified_marker(content.str());
  if (!marker || marker->repo_id != repo.repo_id || marker->commit != commit ||
      marker->variant != variant) {
    return std::nullopt;
  }
  return *marker;
}

void remove_verified_marker(const CacheRepo& repo, std::string_view commit,
                            std::string_view variant) {
  std::error_code ignored;
  std::filesystem::remove(repo.marker_path(commit, variant), ignored);
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
  std::vector<std::string> recorded;
  for (const VerifiedFile& file : marker.files) {
    const CacheFile cached{file.path, file.etag, file.size};
    if (!snapshot_link_is(repo, marker.commit, cached)) return false;
    auto now = stat_cached_file(repo, cached);
    if (!now || now->size != file.size || now->mtime_ns != file.mtime_ns) return false;
    recorded.push_back(file.path);
  }
  std::sort(recorded.begin(), recorded.end());
  return recorded == variant_folder_paths(repo, marker.commit, marker.variant);
}

}  // namespace kernels
