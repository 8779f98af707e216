#include "lock_depends.hpp"

#include <algorithm>
#include <utility>

#include "kernels/model/metadata.hpp"
#include "kernels/model/variant.hpp"

namespace kernels::detail {
namespace {

std::string where(const PendingLock& entry, std::string_view path = {}) {
  std::string text = entry.repo.repo_id + "@" + entry.sha;
  if (!path.empty()) text += ":" + std::string(path);
  return text;
}

// The folders under build/ that are variants, from the stage-4 tree or a listing of build/.
void list_variants(std::span<PendingLock* const> entries, HubClient& hub, MissingMetadata missing,
                   std::vector<std::vector<std::string>>& variants,
                   std::vector<Result<std::vector<Dependency>>>& results) {
  std::vector<std::size_t> to_list;
  std::vector<TreeQuery> queries;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i]->metadata_variants) {
      variants[i] = *entries[i]->metadata_variants;
    } else {
      to_list.push_back(i);
      queries.push_back(TreeQuery{entries[i]->repo, entries[i]->sha, "build", false});
    }
  }
  if (!queries.empty()) {
    auto listings = hub.tree_many(queries);
    for (std::size_t k = 0; k < to_list.size(); ++k) {
      const std::size_t i = to_list[k];
      if (!listings[k]) {
        if (missing == MissingMetadata::skip && listings[k].error().code == ErrorCode::not_found)
          continue;
        results[i] = tl::unexpected(std::move(listings[k].error()));
        continue;
      }
      for (const TreeEntry& entry : listings[k]->entries) {
        if (entry.type != TreeEntryType::directory) continue;
        const auto slash = entry.path.rfind('/');
        variants[i].push_back(slash == std::string::npos ? entry.path
                                                         : entry.path.substr(slash + 1));
      }
    }
  }
  // Folders that are not variants are not builds (the reference warns and skips them).
  for (auto& names : variants) {
    std::erase_if(names, [](const std::string& name) { return !parse_variant(name); });
  }
}

}  // namespace

std::vector<Result<std::vector<Dependency>>> read_kernel_depends(
    std::span<PendingLock* const> entries, HubClient& hub, MissingMetadata missing) {
  std::vector<Result<std::vector<Dependency>>> results(entries.size(), std::vector<Dependency>{});
  std::vector<std::vector<std::string>> variants(entries.size());
  list_variants(entries, hub, missing, variants, results);

  std::vector<FileQuery> queries;
  std::vector<std::size_t> owner;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!results[i]) continue;
    for (const std::string& variant : variants[i]) {
      queries.push_back(
          FileQuery{entries[i]->repo, entries[i]->sha, "build/" + variant + "/metadata.json"});
      owner.push_back(i);
    }
  }
  if (queries.empty()) return results;
  auto texts = hub.file_text_many(queries, kMaxMetadataBytes);
  for (std::size_t k = 0; k < queries.size(); ++k) {
    auto& result = results[owner[k]];
    if (!result) continue;
    const PendingLock& entry = *entries[owner[k]];
    if (!texts[k]) {
      if (missing == MissingMetadata::skip && texts[k].error().code == ErrorCode::not_found)
        continue;
      Error error = std::move(texts[k].error());
      if (error.code == ErrorCode::not_found) {
        error.message +=
            "; every build variant needs a metadata.json to lock the kernel's "
            "dependencies (rebuild it with a current kernel-builder)";
      }
      result = tl::unexpected(std::move(error));
      continue;
    }
    auto metadata = parse_metadata(*texts[k], where(entry, queries[k].path));
    if (!metadata) {
      result = tl::unexpected(std::move(metadata.error()));
      continue;
    }
    for (Dependency& dependency : metadata->kernel_depends) {
      if (std::find(result->begin(), result->end(), dependency) == result->end())
        result->push_back(std::move(dependency));
    }
  }
  return results;
}

std::vector<std::size_t> find_cycle(const std::vector<std::vector<std::size_t>>& children) {
  enum class Mark { unseen, on_path, done };
  std::vector<Mark> marks(children.size(), Mark::unseen);
  // Iterative depth-first search: the path is the stack of (node, next child to visit).
  for (std::size_t root = 0; root < children.size(); ++root) {
    if (marks[root] != Mark::unseen) continue;
    std::vector<std::pair<std::size_t, std::size_t>> path{{root, 0}};
    marks[root] = Mark::on_path;
    while (!path.empty()) {
      auto& [node, next] = path.back();
      if (next == children[node].size()) {
        marks[node] = Mark::done;
        path.pop_back();
        continue;
      }
      const std::size_t child = children[node][next++];
      if (marks[child] == Mark::on_path) {
        std::vector<std::size_t> cycle;
        auto start = std::find_if(path.begin(), path.end(),
                                  [&](const auto& step) { return step.first == child; });
        for (auto it = start; it != path.end(); ++it)
          cycle.push_back(it->first);
        cycle.push_back(child);
        return cycle;
      }
      if (marks[child] == Mark::unseen) {
        marks[child] = Mark::on_path;
        path.emplace_back(child, 0);
      }
    }
  }
  return {};
}

}  // namespace kernels::detail
