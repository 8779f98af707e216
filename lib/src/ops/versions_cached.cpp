// `kernels versions --offline`: versions from the cache's refs/ instead of the Hub.

#include <algorithm>

#include "kernels/cache/repo_refs.hpp"
#include "kernels/model/repo_id.hpp"
#include "kernels/model/variant.hpp"
#include "kernels/model/version_resolution.hpp"
#include "kernels/ops/versions.hpp"

namespace kernels {
namespace {

// The variant folders of the snapshot of `commit`, under either repo type's folder, sorted.
std::vector<std::string> cached_variants(const std::filesystem::path& cache_dir,
                                         std::string_view repo_id, std::string_view commit,
                                         RepoType& type) {
  std::vector<std::string> names;
  for (const RepoType candidate : {RepoType::kernel, RepoType::model}) {
    const auto build = cache_dir / cache_repo_folder_name(repo_id, candidate) / "snapshots" /
                       std::string(commit) / "build";
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(build, error)) {
      std::string name = entry.path().filename().string();
      if (entry.is_directory(error) && parse_variant(name)) names.push_back(std::move(name));
    }
    if (!names.empty()) {
      type = candidate;
      break;
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Result<VersionsReport> list_cached_versions(const std::string& repo_id, const SystemInfo& system,
                                            const std::filesystem::path& cache_dir) {
  if (auto valid = validate_repo_id(repo_id); !valid) return tl::unexpected(valid.error());
  RepoRefs refs;
  refs.repo = RepoRef{repo_id, RepoType::kernel};
  for (const CachedRef& ref : read_cache_refs(cache_dir, repo_id)) {
    GitRef git_ref{ref.revision, ref.commit};
    // A cache file does not say whether it was a branch or a tag: v<N> is the branch scheme.
    if (parse_branch_major(ref.revision)) {
      refs.branches.push_back(std::move(git_ref));
    } else {
      refs.tags.push_back(std::move(git_ref));
    }
  }
  VersionsReport report;
  report.repo = refs.repo;
  report.from_cache = true;
  for (VersionRef& ref : version_refs(refs)) {
    KernelVersion version;
    version.variants = cached_variants(cache_dir, repo_id, ref.commit, report.repo.type);
    version.selection = select_variant(version.variants, system);
    version.ref = std::move(ref);
    report.versions.push_back(std::move(version));
  }
  if (report.versions.empty()) {
    return fail(ErrorCode::not_found,
                "offline, and the cache at " + cache_dir.string() + " records no version of " +
                    repo_id +
                    " (refs/v<N> or refs/v<semver>); run `kernels versions` online, or lock a "
                    "project that uses it first",
                repo_id);
  }
  return report;
}

}  // namespace kernels
