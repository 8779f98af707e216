#pragma once

// The refs/ folder of a repo in the Hub-layout cache (hub-api.md section 6):
// <cache>/<kernels|models>--<org>--<name>/refs/<revision> holds the commit that revision pointed
// to when it was last resolved. The reference tool reads refs/v<N> to resolve versions offline;
// `kernels lock` writes them so that a later lock (and the reference, offline) knows what a
// version or tag meant without asking the Hub.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/repo_type.hpp"

namespace kernels {

// "kernels--org--name" or "models--org--name" (the caller has validated the repo id).
[[nodiscard]] std::string cache_repo_folder_name(std::string_view repo_id, RepoType type);

// <cache>/<folder>/refs/<revision>. Revisions with '/' (refs/pr/1) become nested folders, as in
// huggingface_hub; a revision with '..', a leading '/', a backslash or a control character is
// refused (ErrorCode::invalid_input).
[[nodiscard]] Result<std::filesystem::path> cache_ref_path(const std::filesystem::path& cache_dir,
                                                           std::string_view repo_id, RepoType type,
                                                           std::string_view revision);

// Records `commit` as what `revision` points to (written atomically).
[[nodiscard]] Result<void> write_cache_ref(const std::filesystem::path& cache_dir,
                                           std::string_view repo_id, RepoType type,
                                           std::string_view revision, std::string_view commit);

struct CachedRef {
  std::string revision;  // the file name under refs/ ("v1", "v1.2.0", "main")
  std::string commit;
};

// Every top-level ref file of the repo, for both repo types (kernel first), in name order; a
// missing folder is an empty list. Unreadable or malformed files are skipped.
[[nodiscard]] std::vector<CachedRef> read_cache_refs(const std::filesystem::path& cache_dir,
                                                     std::string_view repo_id);

}  // namespace kernels
