#pragma once

// The folder structure of a commit: which paths are files and which are folders, the git tree id
// of every folder (what the Hub lists as a folder's "oid"), and tree listings in git's order.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/mirror/store.hpp"

namespace kernels::mirror::detail {

struct TreeEntry {
  bool directory = false;
  std::string path;
  std::string oid;
  std::uint64_t size = 0;      // 0 for a folder
  std::size_t file_index = 0;  // files: the index in the commit's file list
};

class RepoTree {
 public:
  // The commit must be valid (Store::read_commit checks that).
  [[nodiscard]] static Result<RepoTree> build(const MirrorCommit& commit);

  // The index of the file at `path` in the commit's file list, or nothing.
  [[nodiscard]] std::optional<std::size_t> file_index(std::string_view path) const;
  // "" is the root folder.
  [[nodiscard]] bool is_directory(std::string_view path) const;
  // The oid of a file or a folder, or nothing when the path is neither.
  [[nodiscard]] std::optional<std::string> oid(std::string_view path) const;
  // The entries of a folder: its children, or with `recursive` the whole subtree, folders before
  // their content; siblings in git's tree order. The folder must exist.
  [[nodiscard]] std::vector<TreeEntry> list(std::string_view directory, bool recursive) const;

 private:
  struct Child {
    std::string name;
    bool directory = false;
  };
  struct Directory {
    std::vector<Child> children;
    std::string oid;
  };

  void append_children(const std::string& directory, bool recursive,
                       std::vector<TreeEntry>& entries) const;

  std::map<std::string, Directory, std::less<>> directories_;
  std::map<std::string, std::size_t, std::less<>> files_;
  std::vector<std::pair<std::string, std::uint64_t>> file_oids_and_sizes_;
};

}  // namespace kernels::mirror::detail
