#include "kernels/cache/variant_verify.hpp"

#include <algorithm>
#include <map>
#include <system_error>

#include "kernels/cache/blob_store.hpp"
#include "kernels/model/variant_hash.hpp"

namespace kernels {
namespace {

std::string where(const CacheRepo& repo, std::string_view variant) {
  return repo.repo_id + " variant " + std::string(variant);
}

tl::unexpected<Error> integrity(const CacheRepo& repo, std::string_view variant,
                                std::string_view file, std::string_view what,
                                std::string_view expected, std::string_view actual) {
  return fail(ErrorCode::integrity,
              where(repo, variant) + ": " + std::string(file) + ": " + std::string(what) +
                  ": expected " + std::string(expected) + ", got " + std::string(actual) +
                  "; run `kernels download` to repair the cache",
              repo.folder().string());
}

}  // namespace

std::vector<std::string> cached_variant_names(const CacheRepo& repo, std::string_view commit) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(repo.snapshot_dir(commit) / "build", error)) {
    if (entry.is_directory(error)) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<CacheFile>> list_cached_variant(const CacheRepo& repo, std::string_view commit,
                                                   std::string_view variant) {
  const auto folder = repo.variant_dir(commit, variant);
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    return fail(ErrorCode::not_found,
                where(repo, variant) + " at " + std::string(commit) +
                    " is not in the cache; run `kernels download` to fetch it",
                folder.string());
  }
  std::vector<CacheFile> files;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    const bool link = it->is_symlink(error);
    if (!link && it->is_directory(error)) continue;
    const std::string path =
        variant_prefix(variant) + it->path().lexically_relative(folder).generic_string();
    if (is_bytecode_path(path) || is_temporary_link_name(path)) continue;
    if (!link) {
      return integrity(repo, variant, path, "not a link into blobs/", "a link", "a regular file");
    }
    const auto target = std::filesystem::read_symlink(it->path(), error);
    const std::string etag = target.filename().string();
    if (error || !validate_etag(etag, path)) {
      return integrity(repo, variant, path, "link target", "blobs/<etag>", target.string());
    }
    CacheFile file{path, etag, 0};
    if (!snapshot_link_is(repo, commit, file)) {
      return integrity(repo, variant, path, "link target", repo.blob_path(etag).string(),
                       target.string());
    }
    file.size = std::filesystem::file_size(repo.blob_path(etag), error);
    files.push_back(std::move(file));
  }
  if (error) {
    return fail(ErrorCode::io, "cannot list the cached variant: " + error.message(),
                folder.string());
  }
  std::sort(files.begin(), files.end(),
            [](const CacheFile& a, const CacheFile& b) { return a.path < b.path; });
  return files;
}

Result<std::string> variant_hash_of(const std::vector<CacheFile>& files, std::string_view variant) {
  const std::string prefix = variant_prefix(variant);
  std::vector<VariantFileDigest> digests;
  for (const CacheFile& file : files) {
    if (!file.path.starts_with(prefix)) continue;
    digests.push_back({file.path.substr(prefix.size()), file.etag});
  }
  return git_lfs_concat(digests);
}

Result<VerifiedMarker> verify_cached_variant(const CacheRepo& repo,
                                             const VariantVerifyRequest& request) {
  auto files = list_cached_variant(repo, request.commit, request.variant);
  if (!files) return tl::unexpected(files.error());
  if (request.expected) {
    std::map<std::string, const CacheFile*> expected;
    for (const CacheFile& file : *request.expected)
      expected.emplace(file.path, &file);
    for (const CacheFile& file : *files) {
      const auto found = expected.find(file.path);
      if (found == expected.end()) {
        return integrity(repo, request.variant, file.path, "file not in the Hub's listing",
                         "no such file", "a file");
      }
      if (found->second->etag != file.etag) {
        return integrity(repo, request.variant, file.path, "blob", found->second->etag, file.etag);
      }
      expected.erase(found);
    }
    if (!expected.empty()) {
      return fail(ErrorCode::not_found,
                  where(repo, request.variant) + ": " + expected.begin()->first +
                      " is missing from the cache; run `kernels download` to fetch it",
                  repo.folder().string());
    }
  }
  for (const CacheFile& file : *files) {
    if (request.fresh_etags.contains(file.etag)) continue;
    auto actual = hash_cached_file(repo.blob_path(file.etag), file.etag);
    if (!actual) return tl::unexpected(actual.error());
    if (*actual != file.etag) {
      return integrity(repo, request.variant, file.path, "content hash", file.etag, *actual);
    }
  }
  if (!request.lock_hash.empty()) {
    auto hash = variant_hash_of(*files, request.variant);
    if (!hash) return tl::unexpected(hash.error());
    if (*hash != request.lock_hash) {
      return integrity(repo, request.variant, "(variant hash)", "kernels.lock hash",
                       request.lock_hash, *hash);
    }
  }
  VerifiedMarker marker{repo.repo_id, request.commit, request.variant, request.lock_hash, {}};
  for (const CacheFile& file : *files) {
    auto stat = stat_cached_file(repo, file);
    if (!stat) return tl::unexpected(stat.error());
    marker.files.push_back(std::move(*stat));
  }
  return marker;
}

Result<CacheVerifyReport> verify_cache_blobs(const std::filesystem::path& cache_dir) {
  CacheVerifyReport report;
  std::error_code error;
  for (const auto& repo_folder : std::filesystem::directory_iterator(cache_dir, error)) {
    const std::string name = repo_folder.path().filename().string();
    if (!name.starts_with("kernels--") && !name.starts_with("models--")) continue;
    std::error_code inner;
    for (const auto& blob :
         std::filesystem::directory_iterator(repo_folder.path() / "blobs", inner)) {
      const std::string etag = blob.path().filename().string();
      if (!validate_etag(etag, etag) || !blob.is_regular_file(inner)) continue;
      ++report.blobs_checked;
      auto actual = hash_cached_file(blob.path(), etag);
      if (!actual) {
        report.problems.push_back({blob.path().string(), actual.error().message});
      } else if (*actual != etag) {
        report.problems.push_back({blob.path().string(), *actual});
      }
    }
  }
  if (error) {
    return fail(ErrorCode::io, "cannot read the cache folder: " + error.message(),
                cache_dir.string());
  }
  return report;
}

}  // namespace kernels
