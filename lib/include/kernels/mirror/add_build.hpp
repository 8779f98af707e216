#pragma once

// `kernels mirror add`: a folder of local build output becomes a new commit of a mirror repo.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/mirror/store.hpp"

namespace kernels::mirror {

// Files larger than this are stored in LFS whatever their name (the Hub's rule for uploads).
inline constexpr std::uint64_t kLfsSizeThreshold = 10ULL * 1024 * 1024;

// True when the Hub would store the file in LFS: a binary by its extension (*.so, *.dylib, *.dll,
// *.metallib; the patterns of a kernel repo's .gitattributes) or larger than kLfsSizeThreshold.
[[nodiscard]] bool is_lfs_file(std::string_view path, std::uint64_t size);

struct AddBuildOptions {
  // A folder holding build/<variant>/... and possibly README.md, kernel-status.toml, ...; every
  // file under it becomes a file of the commit, at its path relative to the folder. A symbolic
  // link to a file inside the folder is stored as that file's content; a link that leads outside
  // the folder, a link to a folder, and anything that is not a regular file are refused.
  std::filesystem::path build_dir;
  std::string repo_id;                    // "org/name"; the repo is created when missing
  RepoType type = RepoType::kernel;       // must match the type of an existing repo
  std::string tag;                        // when set: a new tag on the commit (never moved)
  std::string branch;                     // when set: this branch is created or moved to it
  std::string message;                    // empty: "Add build"
  std::int64_t created_unix_seconds = 0;  // the commit's date (SOURCE_DATE_EPOCH or now)
  bool make_private = false;              // mark the repo private (kept private afterwards)
  bool trusted_publisher = false;         // mark the organization a trusted kernel publisher
};

struct AddBuildResult {
  std::string commit;                 // the new commit id, now the target of `main`
  std::optional<std::string> parent;  // the previous `main`, if the repo had one
  bool created_repo = false;
  std::size_t files = 0;
  std::size_t lfs_files = 0;
  std::uint64_t bytes = 0;
};

// Adds the build as a new commit on `main` (parent: the old `main`), then applies the tag and the
// branch. Objects and the commit are written first and refs.json last, each atomically, under
// an exclusive lock of the repo, so that concurrent adds serialize and a crash never leaves a
// ref to something missing. A tag that already exists is refused (ErrorCode::failure) before
// anything is written.
[[nodiscard]] Result<AddBuildResult> add_build(const Store& store, const AddBuildOptions& options);

}  // namespace kernels::mirror
