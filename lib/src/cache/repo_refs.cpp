#include "kernels/cache/repo_refs.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "kernels/util/atomic_file.hpp"

#include "util/ascii.hpp"

namespace kernels {
namespace {

bool is_commit_id(std::string_view text) {
  if (text.size() != 40 && text.size() != 64) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return ascii::is_digit(c) || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string cache_repo_folder_name(std::string_view repo_id, RepoType type) {
  std::string name = type == RepoType::kernel ? "kernels--" : "models--";
  for (const char c : repo_id) {
    if (c == '/') {
      name += "--";
    } else {
      name += c;
    }
  }
  return name;
}

Result<std::filesystem::path> cache_ref_path(const std::filesystem::path& cache_dir,
                                             std::string_view repo_id, RepoType type,
                                             std::string_view revision) {
  const bool bad_character = std::any_of(revision.begin(), revision.end(), [](char c) {
    return c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (revision.empty() || revision.front() == '/' || revision.back() == '/' || bad_character ||
      revision.find("..") != std::string_view::npos ||
      revision.find("//") != std::string_view::npos) {
    return fail(ErrorCode::invalid_input, "refusing to record revision '" + std::string(revision) +
                                              "' of " + std::string(repo_id) +
                                              " in the cache: not a safe file name");
  }
  return cache_dir / cache_repo_folder_name(repo_id, type) / "refs" / std::string(revision);
}

Result<void> write_cache_ref(const std::filesystem::path& cache_dir, std::string_view repo_id,
                             RepoType type, std::string_view revision, std::string_view commit) {
  auto path = cache_ref_path(cache_dir, repo_id, type, revision);
  if (!path) return tl::unexpected(path.error());
  std::error_code error;
  std::filesystem::create_directories(path->parent_path(), error);
  if (error) {
    return fail(ErrorCode::io, "cannot create the cache folder: " + error.message(),
                path->parent_path().string());
  }
  // A ref is a hint that read_cache_refs checks (a commit id, or it is skipped); the two fsyncs of
  // a durable write were most of the time of locking many repos.
  return write_file_atomically(*path, commit, AtomicFileOptions{.durable = false});
}

std::vector<CachedRef> read_cache_refs(const std::filesystem::path& cache_dir,
                                       std::string_view repo_id) {
  std::vector<CachedRef> refs;
  for (const RepoType type : {RepoType::kernel, RepoType::model}) {
    const auto folder = cache_dir / cache_repo_folder_name(repo_id, type) / "refs";
    std::error_code error;
    std::vector<CachedRef> found;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      if (!entry.is_regular_file(error)) continue;
      std::ifstream file(entry.path());
      std::stringstream content;
      content << file.rdbuf();
      const std::string commit(ascii::trim(content.str()));
      if (!is_commit_id(commit)) continue;
      found.push_back(CachedRef{entry.path().filename().string(), commit});
    }
    std::sort(found.begin(), found.end(),
              [](const CachedRef& a, const CachedRef& b) { return a.revision < b.revision; });
    refs.insert(refs.end(), found.begin(), found.end());
  }
  return refs;
}

}  // namespace kernels
