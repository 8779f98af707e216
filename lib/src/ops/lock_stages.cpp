#include "lock_stages.hpp"

#include <algorithm>
#include <variant>

#include "kernels/model/specifier.hpp"
#include "kernels/model/variant_hash.hpp"
#include "kernels/model/version_resolution.hpp"

#include "util/ascii.hpp"

namespace kernels::detail {
namespace {

bool is_full_commit(std::string_view text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return ascii::is_digit(c) || (c >= 'a' && c <= 'f');
         });
}

// The entries still in play, so that a stage asks the Hub only about those.
std::vector<PendingLock*> active(std::vector<PendingLock*>& pending) {
  std::vector<PendingLock*> result;
  for (PendingLock* entry : pending) {
    if (!entry->error) result.push_back(entry);
  }
  return result;
}

std::string publisher_of(std::string_view repo_id) {
  return std::string(repo_id.substr(0, repo_id.find('/')));
}

}  // namespace

void check_publishers(std::vector<PendingLock*>& pending, HubClient& hub,
                      const std::function<bool(std::string_view)>& trusted,
                      UntrustedPublisher policy, std::vector<std::string>& warnings) {
  // Offline, the later stages fail with the offline error, which says more than "cannot verify".
  if (hub.offline()) return;
  std::vector<PendingLock*> entries;
  std::vector<std::string> orgs;
  for (PendingLock* entry : active(pending)) {
    if (trusted(entry->repo.repo_id)) continue;
    entries.push_back(entry);
    std::string org = publisher_of(entry->repo.repo_id);
    if (std::find(orgs.begin(), orgs.end(), org) == orgs.end()) orgs.push_back(std::move(org));
  }
  if (entries.empty()) return;
  const auto overviews = hub.org_overview_many(orgs);
  for (PendingLock* entry : entries) {
    const std::string org = publisher_of(entry->repo.repo_id);
    const auto& overview = overviews[static_cast<std::size_t>(
        std::find(orgs.begin(), orgs.end(), org) - orgs.begin())];
    if (overview && overview->trusted_kernel_publisher) continue;
    const std::string& repo_id = entry->repo.repo_id;
    std::string why =
        overview ? "is not from a trusted publisher (the Hub does not mark organization '" + org +
                       "' a trusted kernel publisher)"
                 : "could not verify publisher trust status (" + overview.error().describe() + ")";
    std::string fix = "if you trust its code, run `kernels lock --trust-remote-code " + repo_id +
                      "` (or `--trust-remote-code` alone for every repo)";
    if (policy == UntrustedPublisher::refuse) {
      entry->error = Error{ErrorCode::failure,
                           "kernel repository '" + repo_id + "' " + why + "; " + fix, repo_id};
    } else {
      warnings.push_back("Kernel repository '" + repo_id + "' " + why +
                         ": kernels >= 0.14 will not load it; " + fix);
    }
  }
}

void follow_redirects(std::vector<PendingLock*>& pending, HubClient& hub) {
  std::vector<PendingLock*> entries = active(pending);
  std::vector<RepoRevision> queries;
  for (const PendingLock* entry : entries)
    queries.push_back(RepoRevision{entry->repo, "main"});
  auto statuses = hub.kernel_status_many(queries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    PendingLock& entry = *entries[i];
    if (!statuses[i]) {
      entry.error = std::move(statuses[i].error());
      continue;
    }
    if (const auto& status = *statuses[i]; status.has_value()) {
      entry.dependency.repo_id = status->destination;
      entry.repo.repo_id = status->destination;
      // A redirect's revision replaces an explicit revision; versions are resolved at the
      // destination as they would have been at the source.
      if (std::holds_alternative<Revision>(entry.dependency.requirement)) {
        entry.dependency.requirement = Revision{status->revision};
      }
    }
  }
}

void resolve_versions(std::vector<PendingLock*>& pending, HubClient& hub,
                      std::vector<std::string>& warnings) {
  std::vector<PendingLock*> entries;
  for (PendingLock* entry : active(pending)) {
    if (const auto* revision = std::get_if<Revision>(&entry->dependency.requirement)) {
      entry->revision = revision->name;
    } else {
      entries.push_back(entry);
    }
  }
  std::vector<RepoRef> repos;
  for (const PendingLock* entry : entries)
    repos.push_back(entry->repo);
  auto refs = hub.refs_many(repos);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    PendingLock& entry = *entries[i];
    if (!refs[i]) {
      entry.error = std::move(refs[i].error());
      continue;
    }
    entry.repo = refs[i]->repo;
    if (const auto* major = std::get_if<MajorVersion>(&entry.dependency.requirement)) {
      auto selection = select_branch(refs[i]->branches, major->number, entry.repo.repo_id);
      if (!selection) {
        entry.error = std::move(selection.error());
        continue;
      }
      if (selection->newer_available()) {
        warnings.push_back(
            newer_version_warning(entry.repo.repo_id, major->number, selection->newest_major));
      }
      entry.cache_ref = selection->selected.ref.name;
      entry.revision = selection->selected.ref.target_commit;
    } else {
      const auto& text = std::get<VersionSpecifier>(entry.dependency.requirement).text;
      auto specifier = parse_specifier_set(text);
      if (!specifier) {
        Error error = std::move(specifier.error());
        error.location = entry.repo.repo_id;
        entry.error = std::move(error);
        continue;
      }
      auto tag = select_by_specifier(refs[i]->tags, *specifier, entry.repo.repo_id);
      if (!tag) {
        entry.error = std::move(tag.error());
        continue;
      }
      entry.cache_ref = tag->ref.name;
      entry.revision = tag->ref.target_commit;
    }
  }
}

void resolve_commits(std::vector<PendingLock*>& pending, HubClient& hub) {
  std::vector<PendingLock*> entries;
  for (PendingLock* entry : active(pending)) {
    // A branch or tag target is already the full commit: no need to ask again.
    if (is_full_commit(entry->revision)) {
      entry->sha = entry->revision;
    } else {
      entries.push_back(entry);
    }
  }
  std::vector<RepoRevision> queries;
  for (const PendingLock* entry : entries)
    queries.push_back(RepoRevision{entry->repo, entry->revision});
  auto infos = hub.repo_info_many(queries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    PendingLock& entry = *entries[i];
    if (!infos[i]) {
      entry.error = std::move(infos[i].error());
      continue;
    }
    entry.repo = infos[i]->repo;
    entry.sha = infos[i]->sha;
    if (entry.cache_ref.empty() && entry.revision != entry.sha) entry.cache_ref = entry.revision;
  }
}

void hash_variants(std::vector<PendingLock*>& pending, HubClient& hub) {
  std::vector<PendingLock*> entries = active(pending);
  std::vector<TreeQuery> queries;
  for (const PendingLock* entry : entries) {
    queries.push_back(TreeQuery{entry->repo, entry->sha, "", /*recursive=*/true});
  }
  auto trees = hub.tree_many(queries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    PendingLock& entry = *entries[i];
    if (!trees[i]) {
      entry.error = std::move(trees[i].error());
      continue;
    }
    const auto files = tree_files(trees[i]->entries);
    entry.metadata_variants.emplace();
    for (const RepoTreeFile& file : files) {
      // build/<variant>/metadata.json, nothing deeper.
      constexpr std::string_view kPrefix = "build/";
      constexpr std::string_view kSuffix = "/metadata.json";
      const std::string_view path = file.path;
      if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) continue;
      const auto variant =
          path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
      if (variant.empty() || variant.find('/') != std::string_view::npos) continue;
      entry.metadata_variants->emplace_back(variant);
    }
    auto hashes = variant_hashes_from_tree(files);
    if (!hashes) {
      Error error = std::move(hashes.error());
      error.location = entry.repo.repo_id + "@" + entry.sha;
      entry.error = std::move(error);
      continue;
    }
    for (auto& hash : *hashes) {
      entry.variants.push_back(
          LockedVariant{std::move(hash.variant), VariantLock{std::move(hash.hash)}});
    }
  }
}

}  // namespace kernels::detail
