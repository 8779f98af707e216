#include "kernels/ops/versions.hpp"

#include <algorithm>
#include <map>

#include "kernels/hub/hub_client.hpp"
#include "kernels/model/version_resolution.hpp"
#include "kernels/ops/variant_trace.hpp"

namespace kernels {
namespace {

std::string count_of_variants(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " variant" : " variants");
}

std::string version_line(const KernelVersion& version, std::size_t name_width) {
  std::string line = version.ref.name;
  line.resize(std::max(name_width, line.size()), ' ');
  line += "  " + version.ref.commit.substr(0, 7) + "  ";
  if (version.variants.empty()) return line + "no build variants";
  const VariantDecision* best = version.selection.best();
  line += best != nullptr ? best->name : std::string("no variant for this system");
  return line + " (" + count_of_variants(version.variants.size()) + ")";
}

}  // namespace

std::string_view to_string(VersionKind kind) {
  return kind == VersionKind::branch ? "branch" : "tag";
}

std::vector<VersionRef> version_refs(const RepoRefs& refs) {
  std::vector<VersionRef> result;
  for (BranchVersion& branch : branch_versions(refs.branches)) {
    result.push_back(VersionRef{VersionKind::branch, std::move(branch.ref.name),
                                std::move(branch.ref.target_commit)});
  }
  for (TaggedVersion& tag : tag_versions(refs.tags)) {
    result.push_back(
        VersionRef{VersionKind::tag, std::move(tag.ref.name), std::move(tag.ref.target_commit)});
  }
  return result;
}

Result<VersionsReport> list_versions(const std::string& repo_id, const SystemInfo& system,
                                     HubClient& hub) {
  auto refs = hub.refs(RepoRef{repo_id, RepoType::kernel});
  if (!refs) return tl::unexpected(std::move(refs.error()));
  VersionsReport report;
  report.repo = refs->repo;

  // Branches and tags often share commits (v1 and v1.2.0): list each commit's build/ once.
  std::vector<VersionRef> refs_in_order = version_refs(*refs);
  std::map<std::string, std::size_t> query_of_commit;
  std::vector<TreeQuery> queries;
  for (const VersionRef& ref : refs_in_order) {
    if (query_of_commit.emplace(ref.commit, queries.size()).second) {
      queries.push_back(TreeQuery{report.repo, ref.commit, "build", /*recursive=*/false});
    }
  }
  const auto trees = hub.tree_many(queries);

  for (VersionRef& ref : refs_in_order) {
    const auto& tree = trees[query_of_commit.at(ref.commit)];
    KernelVersion version;
    if (tree) {
      version.variants = variant_names_from_listing(tree->entries);
    } else if (tree.error().code != ErrorCode::not_found) {
      // The commit came from this repo's refs a moment ago, so "not found" can only mean that it
      // has no build/ folder; anything else is the Hub failing.
      return tl::unexpected(tree.error());
    }
    version.selection = select_variant(version.variants, system);
    version.ref = std::move(ref);
    report.versions.push_back(std::move(version));
  }
  return report;
}

std::vector<std::string> describe_versions(const VersionsReport& report, bool verbose) {
  if (report.versions.empty()) {
    return {"Repository does not support kernel versions: " + report.repo.repo_id};
  }
  std::size_t name_width = 0;
  for (const KernelVersion& version : report.versions)
    name_width = std::max(name_width, version.ref.name.size());
  std::vector<std::string> lines;
  for (const KernelVersion& version : report.versions) {
    lines.push_back(version_line(version, name_width));
    if (!verbose) continue;
    for (const std::string& line : describe_trace(version.selection))
      lines.push_back("    " + line);
  }
  return lines;
}

}  // namespace kernels
