#include "cache_report.hpp"

#include <array>
#include <cstdio>
#include <ctime>

#include "download_progress.hpp"

namespace kernels::cli {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text;
}

nlohmann::json time_json(std::int64_t ns) {
  if (ns == 0) return nullptr;
  return utc_time(ns);
}

std::string short_commit(const std::string& commit) {
  return commit.substr(0, 12);
}

}  // namespace

std::string utc_time(std::int64_t ns) {
  if (ns == 0) return "never";
  const std::time_t seconds = static_cast<std::time_t>(ns / 1000000000LL);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text.data();
}

nlohmann::json inventory_json(const CacheInventory& inventory) {
  nlohmann::json repos = nlohmann::json::array();
  for (const CachedRepoInfo& repo : inventory.repos) {
    nlohmann::json commits = nlohmann::json::array();
    for (const CachedCommitInfo& commit : repo.commits) {
      nlohmann::json variants = nlohmann::json::array();
      for (const CachedVariantInfo& variant : commit.variants) {
        variants.push_back({{"variant", variant.name},
                            {"verified", variant.verified},
                            {"files", variant.files},
                            {"bytes", variant.bytes},
                            {"last_used", time_json(variant.last_used_ns)}});
      }
      commits.push_back({{"commit", commit.commit},
                         {"snapshot", commit.has_snapshot},
                         {"refs", commit.refs},
                         {"bytes", commit.bytes},
                         {"last_used", time_json(commit.last_used_ns)},
                         {"variants", variants}});
    }
    std::size_t incomplete = 0;
    for (const CachedBlobInfo& blob : repo.blobs)
      incomplete += blob.incomplete ? 1 : 0;
    repos.push_back({{"repo_id", repo.repo_id},
                     {"type", repo.type == RepoType::kernel ? "kernel" : "model"},
                     {"folder", repo.folder},
                     {"holds_kernels", repo.holds_kernels},
                     {"bytes", repo.bytes},
                     {"blobs", repo.blobs.size() - incomplete},
                     {"incomplete", incomplete},
                     {"incomplete_bytes", repo.incomplete_bytes},
                     {"last_used", time_json(repo.last_used_ns)},
                     {"commits", commits}});
  }
  return {
      {"cache_dir", inventory.cache_dir.string()}, {"bytes", inventory.bytes}, {"repos", repos}};
}

std::vector<std::string> inventory_lines(const CacheInventory& inventory) {
  std::vector<std::string> lines;
  for (const CachedRepoInfo& repo : inventory.repos) {
    std::string head = repo.repo_id + "  " + human_bytes(repo.bytes) + "  last used " +
                       utc_time(repo.last_used_ns);
    if (repo.type == RepoType::model) head += "  (" + repo.folder + ")";
    if (repo.incomplete_bytes > 0) {
      head += "  + " + human_bytes(repo.incomplete_bytes) + " incomplete";
    }
    lines.push_back(head);
    for (const CachedCommitInfo& commit : repo.commits) {
      std::string line = "  " + short_commit(commit.commit);
      if (!commit.refs.empty()) line += " (" + join(commit.refs) + ")";
      line += "  " + human_bytes(commit.bytes) + "  last used " + utc_time(commit.last_used_ns);
      if (!commit.has_snapshot) line += "  markers only";
      lines.push_back(line);
      for (const CachedVariantInfo& variant : commit.variants) {
        std::array<char, 256> row{};
        std::snprintf(row.data(), row.size(), "    %-40s %-10s %10s  %s", variant.name.c_str(),
                      variant.verified ? "verified" : "unverified",
                      human_bytes(variant.bytes).c_str(), utc_time(variant.last_used_ns).c_str());
        lines.emplace_back(row.data());
      }
    }
  }
  lines.push_back(std::to_string(inventory.repos.size()) + " repos, " +
                  human_bytes(inventory.bytes) + " in " + inventory.cache_dir.string());
  return lines;
}

nlohmann::json prune_json(const PruneReport& report) {
  nlohmann::json removed = nlohmann::json::array();
  for (const PrunedEntry& entry : report.removed) {
    nlohmann::json item{
        {"kind", pruned_kind_name(entry.kind)}, {"path", entry.path}, {"repo_id", entry.repo_id}};
    if (!entry.commit.empty()) item["commit"] = entry.commit;
    if (!entry.variant.empty()) item["variant"] = entry.variant;
    if (entry.kind == PrunedKind::blob || entry.kind == PrunedKind::incomplete) {
      item["bytes"] = entry.bytes;
    }
    removed.push_back(std::move(item));
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const PruneSkip& skip : report.skipped)
    skipped.push_back({{"path", skip.path}, {"reason", skip.reason}});
  return {{"dry_run", report.dry_run},
          {"removed", removed},
          {"skipped", skipped},
          {"bytes_freed", report.bytes_freed}};
}

std::vector<std::string> prune_lines(const PruneReport& report) {
  std::vector<std::string> lines;
  const std::string verb = report.dry_run ? "would remove " : "removed ";
  for (const PrunedEntry& entry : report.removed) {
    std::string line = verb + std::string(pruned_kind_name(entry.kind)) + " ";
    switch (entry.kind) {
      case PrunedKind::variant:
        line += entry.repo_id + " " + short_commit(entry.commit) + " " + entry.variant;
        break;
      case PrunedKind::commit:
        line += entry.repo_id + " " + short_commit(entry.commit);
        break;
      case PrunedKind::repo:
        line += entry.repo_id;
        break;
      default:
        line += entry.path;
        if (entry.bytes > 0) line += " (" + human_bytes(entry.bytes) + ")";
    }
    lines.push_back(line);
  }
  for (const PruneSkip& skip : report.skipped)
    lines.push_back("kept " + skip.path + ": " + skip.reason);
  lines.push_back(std::string(report.dry_run ? "would free " : "freed ") +
                  human_bytes(report.bytes_freed) + " (" + std::to_string(report.bytes_freed) +
                  " bytes)");
  return lines;
}

}  // namespace kernels::cli
