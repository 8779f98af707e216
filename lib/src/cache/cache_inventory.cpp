#include "kernels/cache/cache_inventory.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include <sys/stat.h>

#include "kernels/cache/verified_marker.hpp"

namespace kernels {
namespace {

namespace fs = std::filesystem;

struct LinkStat {
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
};

// lstat: the entry itself, never what a link points to.
LinkStat lstat_of(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return {};
  return LinkStat{true,
                  static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL +
                      static_cast<std::int64_t>(info.st_mtim.tv_nsec),
                  static_cast<std::uint64_t>(info.st_size)};
}

bool is_real_directory(const fs::path& path) {
  std::error_code error;
  return fs::symlink_status(path, error).type() == fs::file_type::directory;
}

// Names of the real folders in `dir` (links skipped), sorted.
std::vector<std::string> real_subfolders(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::error_code inner;
    if (entry.symlink_status(inner).type() == fs::file_type::directory) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_trimmed(const fs::path& file) {
  std::ifstream stream(file);
  std::stringstream content;
  content << stream.rdbuf();
  std::string text = content.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// commit -> the revisions whose refs/ file names it (nested refs such as pr/1 included).
std::map<std::string, std::vector<std::string>> read_refs(const fs::path& refs_dir) {
  std::map<std::string, std::vector<std::string>> refs;
  std::error_code error;
  for (fs::recursive_directory_iterator it(refs_dir, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code inner;
    if (it->symlink_status(inner).type() != fs::file_type::regular) continue;
    refs[read_trimmed(it->path())].push_back(
        it->path().lexically_relative(refs_dir).generic_string());
  }
  for (auto& [commit, names] : refs)
    std::sort(names.begin(), names.end());
  return refs;
}

void scan_blobs(const fs::path& blobs_dir, CachedRepoInfo& repo) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(blobs_dir, error)) {
    const std::string name = entry.path().filename().string();
    std::error_code inner;
    if (entry.symlink_status(inner).type() != fs::file_type::regular) {
      repo.strays.push_back(entry.path().string());
      continue;
    }
    const LinkStat stat = lstat_of(entry.path());
    const bool incomplete = name.ends_with(".incomplete");
    repo.blobs.push_back(CachedBlobInfo{name, stat.size, stat.mtime_ns, incomplete});
    if (incomplete) {
      repo.incomplete_bytes += stat.size;
    } else if (validate_etag(name, name)) {
      repo.bytes += stat.size;
    }
  }
  std::sort(repo.blobs.begin(), repo.blobs.end(),
            [](const CachedBlobInfo& a, const CachedBlobInfo& b) { return a.name < b.name; });
}

void scan_snapshot_links(const fs::path& snapshot, const fs::path& blobs_dir,
                         CachedCommitInfo& commit, std::vector<std::string>& strays) {
  std::error_code error;
  // The default options do not enter linked folders; such a link is listed like any other link.
  for (fs::recursive_directory_iterator it(snapshot, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code inner;
    if (it->symlink_status(inner).type() != fs::file_type::symlink) continue;
    if (is_temporary_link_name(it->path().filename().string())) continue;
    const std::string etag = snapshot_link_blob(it->path(), blobs_dir);
    if (etag.empty()) strays.push_back(it->path().string());
    commit.links.push_back(
        SnapshotLink{it->path().lexically_relative(snapshot).generic_string(), etag});
  }
  std::sort(commit.links.begin(), commit.links.end(),
            [](const SnapshotLink& a, const SnapshotLink& b) { return a.path < b.path; });
}

void scan_commit(const CacheRepo& cache, const std::map<std::string, std::uint64_t>& blob_sizes,
                 CachedCommitInfo& commit, CachedRepoInfo& repo) {
  const fs::path snapshot = cache.snapshot_dir(commit.commit);
  commit.has_snapshot = is_real_directory(snapshot);
  if (commit.has_snapshot) {
    scan_snapshot_links(snapshot, cache.blobs_dir(), commit, repo.strays);
  }
  std::set<std::string> variant_names;
  if (commit.has_snapshot) {
    for (const std::string& name : real_subfolders(snapshot / "build"))
      variant_names.insert(name);
  }
  const fs::path markers = cache.folder() / "kernels-verified" / commit.commit;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(markers, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(".") && name.ends_with(".json")) {
      variant_names.insert(name.substr(0, name.size() - 5));
    }
  }

  std::set<std::string> commit_blobs;
  for (const SnapshotLink& link : commit.links) {
    commit.last_used_ns =
        std::max(commit.last_used_ns, lstat_of(snapshot / fs::path(link.path)).mtime_ns);
    if (!link.etag.empty()) commit_blobs.insert(link.etag);
  }
  for (const std::string& etag : commit_blobs) {
    if (const auto found = blob_sizes.find(etag); found != blob_sizes.end()) {
      commit.bytes += found->second;
    }
  }

  for (const std::string& name : variant_names) {
    CachedVariantInfo variant{name, false, 0, 0, 0};
    const LinkStat marker_stat = lstat_of(cache.marker_path(commit.commit, name));
    variant.last_used_ns = marker_stat.mtime_ns;
    if (marker_stat.exists) {
      const auto marker = read_verified_marker(cache, commit.commit, name);
      variant.verified = marker && marker_still_holds(cache, *marker, "");
    }
    const std::string prefix = variant_prefix(name);
    std::set<std::string> variant_blobs;
    for (const SnapshotLink& link : commit.links) {
      if (!link.path.starts_with(prefix)) continue;
      ++variant.files;
      variant.last_used_ns =
          std::max(variant.last_used_ns, lstat_of(snapshot / fs::path(link.path)).mtime_ns);
      if (!link.etag.empty()) variant_blobs.insert(link.etag);
    }
    for (const std::string& etag : variant_blobs) {
      if (const auto found = blob_sizes.find(etag); found != blob_sizes.end()) {
        variant.bytes += found->second;
      }
    }
    commit.last_used_ns = std::max(commit.last_used_ns, variant.last_used_ns);
    commit.variants.push_back(std::move(variant));
  }
}

CachedRepoInfo scan_repo(const fs::path& cache_dir, std::string repo_id, RepoType type,
                         std::string folder_name) {
  CachedRepoInfo repo;
  repo.repo_id = std::move(repo_id);
  repo.type = type;
  repo.folder = std::move(folder_name);
  const CacheRepo cache = repo.cache_repo(cache_dir);
  scan_blobs(cache.blobs_dir(), repo);
  std::map<std::string, std::uint64_t> blob_sizes;
  for (const CachedBlobInfo& blob : repo.blobs) {
    if (!blob.incomplete) blob_sizes.emplace(blob.name, blob.bytes);
  }

  std::set<std::string> commits;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(cache.folder() / "snapshots", error)) {
    std::error_code inner;
    if (entry.symlink_status(inner).type() == fs::file_type::directory) {
      commits.insert(entry.path().filename().string());
    } else {
      repo.strays.push_back(entry.path().string());
    }
  }
  const bool has_markers = is_real_directory(cache.folder() / "kernels-verified");
  for (const std::string& commit : real_subfolders(cache.folder() / "kernels-verified"))
    commits.insert(commit);

  auto refs = read_refs(cache.folder() / "refs");
  repo.holds_kernels = type == RepoType::kernel || has_markers;
  for (const std::string& name : commits) {
    CachedCommitInfo commit;
    commit.commit = name;
    if (const auto found = refs.find(name); found != refs.end()) commit.refs = found->second;
    scan_commit(cache, blob_sizes, commit, repo);
    if (is_real_directory(cache.snapshot_dir(name) / "build")) repo.holds_kernels = true;
    repo.last_used_ns = std::max(repo.last_used_ns, commit.last_used_ns);
    repo.commits.push_back(std::move(commit));
  }
  return repo;
}

}  // namespace

std::optional<std::pair<std::string, RepoType>> repo_from_cache_folder(std::string_view folder) {
  RepoType type = RepoType::kernel;
  if (folder.starts_with("kernels--")) {
    folder.remove_prefix(9);
  } else if (folder.starts_with("models--")) {
    folder.remove_prefix(8);
    type = RepoType::model;
  } else {
    return std::nullopt;
  }
  // An organization name never holds "--", so the first one separates it from the name.
  const auto separator = folder.find("--");
  if (separator == std::string_view::npos || separator == 0 || separator + 2 >= folder.size()) {
    return std::nullopt;
  }
  std::string repo_id(folder.substr(0, separator));
  repo_id += '/';
  repo_id += folder.substr(separator + 2);
  return std::make_pair(std::move(repo_id), type);
}

std::string snapshot_link_blob(const fs::path& link, const fs::path& blobs_dir) {
  std::error_code error;
  const fs::path target = fs::read_symlink(link, error);
  if (error) return {};
  const fs::path resolved =
      (target.is_absolute() ? target : link.parent_path() / target).lexically_normal();
  if (resolved.parent_path() != blobs_dir.lexically_normal()) return {};
  const std::string name = resolved.filename().string();
  if (!validate_etag(name, name)) return {};
  return name;
}

Result<CacheInventory> scan_cache(const fs::path& cache_dir) {
  CacheInventory inventory;
  inventory.cache_dir = cache_dir;
  std::error_code error;
  if (!fs::exists(cache_dir, error)) return inventory;
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(cache_dir, error)) {
    std::error_code inner;
    if (entry.symlink_status(inner).type() != fs::file_type::directory) continue;
    folders.push_back(entry.path().filename().string());
  }
  if (error) {
    return fail(ErrorCode::io, "cannot read the cache folder: " + error.message(),
                cache_dir.string());
  }
  std::sort(folders.begin(), folders.end());
  for (const std::string& folder : folders) {
    auto repo = repo_from_cache_folder(folder);
    if (!repo) continue;
    // Only folders named exactly as this tool names them (a name that maps back differently
    // would make every path below point elsewhere).
    if (cache_repo_folder_name(repo->first, repo->second) != folder) continue;
    inventory.repos.push_back(scan_repo(cache_dir, repo->first, repo->second, folder));
    inventory.bytes += inventory.repos.back().bytes;
  }
  return inventory;
}

}  // namespace kernels
