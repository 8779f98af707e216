#include "mirror/repo_tree.hpp"

#include <algorithm>

#include "kernels/util/encoding.hpp"
#include "kernels/util/hash.hpp"

namespace kernels::mirror::detail {
namespace {

std::string child_path(const std::string& directory, const std::string& name) {
  return directory.empty() ? name : directory + "/" + name;
}

std::size_t depth_of(const std::string& directory) {
  if (directory.empty()) return 0;
  return static_cast<std::size_t>(std::count(directory.begin(), directory.end(), '/')) + 1;
}

}  // namespace

Result<RepoTree> RepoTree::build(const MirrorCommit& commit) {
  RepoTree tree;
  tree.directories_[""];
  for (std::size_t index = 0; index < commit.files.size(); ++index) {
    const MirrorFile& file = commit.files[index];
    tree.files_.emplace(file.path, index);
    tree.file_oids_and_sizes_.emplace_back(file.oid, file.size);
    std::string parent;
    std::size_t start = 0;
    for (;;) {
      const std::size_t slash = file.path.find('/', start);
      const bool last = slash == std::string::npos;
      std::string name = file.path.substr(start, last ? std::string::npos : slash - start);
      std::vector<Child>& siblings = tree.directories_[parent].children;
      const bool known = std::any_of(siblings.begin(), siblings.end(),
                                     [&name](const Child& child) { return child.name == name; });
      if (!known) siblings.push_back(Child{name, !last});
      if (last) break;
      parent = child_path(parent, name);
      start = slash + 1;
    }
  }

  // Git sorts tree entries by name, a folder's name compared as if it ended with '/'.
  const auto git_order = [](const Child& a, const Child& b) {
    return (a.directory ? a.name + "/" : a.name) < (b.directory ? b.name + "/" : b.name);
  };
  std::vector<std::string> by_depth;
  for (auto& [path, directory] : tree.directories_) {
    std::sort(directory.children.begin(), directory.children.end(), git_order);
    by_depth.push_back(path);
  }
  std::stable_sort(
      by_depth.begin(), by_depth.end(),
      [](const std::string& a, const std::string& b) { return depth_of(a) > depth_of(b); });
  // Deepest folders first, so that every subfolder's id is known when its parent is hashed.
  for (const std::string& path : by_depth) {
    Directory& directory = tree.directories_.find(path)->second;
    std::string content;
    for (const Child& child : directory.children) {
      const std::string full = child_path(path, child.name);
      const std::string& oid =
          child.directory ? tree.directories_.find(full)->second.oid
                          : tree.file_oids_and_sizes_[tree.files_.find(full)->second].first;
      auto raw = hex_decode(oid);
      if (!raw) return tl::unexpected(raw.error());
      content += child.directory ? "40000 " : "100644 ";
      content += child.name;
      content += '\0';
      content.append(raw->begin(), raw->end());
    }
    auto oid = sha1_hex("tree " + std::to_string(content.size()) + std::string(1, '\0') + content);
    if (!oid) return tl::unexpected(oid.error());
    directory.oid = std::move(*oid);
  }
  return tree;
}

std::optional<std::size_t> RepoTree::file_index(std::string_view path) const {
  const auto found = files_.find(path);
  if (found == files_.end()) return std::nullopt;
  return found->second;
}

bool RepoTree::is_directory(std::string_view path) const {
  return directories_.find(path) != directories_.end();
}

std::optional<std::string> RepoTree::oid(std::string_view path) const {
  if (const auto file = files_.find(path); file != files_.end()) {
    return file_oids_and_sizes_[file->second].first;
  }
  if (const auto directory = directories_.find(path); directory != directories_.end()) {
    return directory->second.oid;
  }
  return std::nullopt;
}

std::vector<TreeEntry> RepoTree::list(std::string_view directory, bool recursive) const {
  std::vector<TreeEntry> entries;
  if (is_directory(directory)) append_children(std::string(directory), recursive, entries);
  return entries;
}

void RepoTree::append_children(const std::string& directory, bool recursive,
                               std::vector<TreeEntry>& entries) const {
  for (const Child& child : directories_.find(directory)->second.children) {
    const std::string path = child_path(directory, child.name);
    if (child.directory) {
      entries.push_back(TreeEntry{true, path, directories_.find(path)->second.oid, 0, 0});
      if (recursive) append_children(path, true, entries);
    } else {
      const std::size_t index = files_.find(path)->second;
      entries.push_back(TreeEntry{false, path, file_oids_and_sizes_[index].first,
                                  file_oids_and_sizes_[index].second, index});
    }
  }
}

}  // namespace kernels::mirror::detail
