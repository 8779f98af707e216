#include "kernels/ops/lock.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <variant>

#include "kernels/cache/repo_refs.hpp"
#include "kernels/hub/hub_client.hpp"
#include "kernels/model/specifier.hpp"
#include "kernels/model/version_resolution.hpp"
#include "kernels/util/atomic_file.hpp"

#include "lock_stages.hpp"

namespace kernels {
namespace {

using detail::PendingLock;

Result<std::optional<Lockfile>> read_existing_lock(const std::filesystem::path& project_dir,
                                                   std::optional<std::string>& text) {
  const auto path = lockfile_path(project_dir);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::optional<Lockfile>{};
  auto lockfile = read_lockfile(path);
  if (!lockfile) {
    Error failure = std::move(lockfile.error());
    failure.message += "; fix kernels.lock or delete it and run `kernels lock` again";
    return tl::unexpected(std::move(failure));
  }
  // Compare with what is on disk, byte for byte: a lock that parses but was reformatted by hand is
  // not what `kernels lock` writes.
  std::ifstream file(path, std::ios::binary);
  text = std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return std::optional<Lockfile>{std::move(*lockfile)};
}

// Whether the entry locked for `dependency` may stay as it is: the requirement that produced it
// is known (recorded in the lock, or pinned to the commit itself, or the cache's refs/ say which
// branch or tag pointed at the commit) and it still asks for that commit.
bool still_holds(const Dependency& dependency, const LockedKernel& locked, LockFormat format,
                 const std::filesystem::path& cache_dir) {
  if (format == LockFormat::dependency_commits) {
    return locked.requirement && *locked.requirement == dependency.requirement;
  }
  if (const auto* revision = std::get_if<Revision>(&dependency.requirement)) {
    if (revision->name == locked.sha) return true;
  }
  if (cache_dir.empty()) return false;
  for (const CachedRef& ref : read_cache_refs(cache_dir, locked.repo_id)) {
    if (ref.commit != locked.sha) continue;
    if (const auto* major = std::get_if<MajorVersion>(&dependency.requirement)) {
      if (parse_branch_major(ref.revision) == major->number) return true;
    } else if (const auto* specifier = std::get_if<VersionSpecifier>(&dependency.requirement)) {
      const auto version = parse_tag_version(ref.revision);
      const auto set = parse_specifier_set(specifier->text);
      if (version && set && set->contains(*version, Prereleases::automatic)) return true;
    } else if (std::get<Revision>(dependency.requirement).name == ref.revision) {
      return true;
    }
  }
  return false;
}

bool wants_upgrade(const LockRequest& request, std::string_view repo_id) {
  return request.upgrade_all || std::find(request.upgrade.begin(), request.upgrade.end(),
                                          repo_id) != request.upgrade.end();
}

// One error for all the dependencies that failed, so that one run shows every problem.
Error combined_error(const std::vector<PendingLock>& pending) {
  std::vector<const PendingLock*> failed;
  for (const PendingLock& entry : pending) {
    if (entry.error) failed.push_back(&entry);
  }
  if (failed.size() == 1) {
    Error error = *failed.front()->error;
    if (error.location.empty()) error.location = failed.front()->dependency.repo_id;
    return error;
  }
  std::string message = std::to_string(failed.size()) + " dependencies could not be locked:";
  for (const PendingLock* entry : failed) {
    message += "\n  " + entry->dependency.repo_id + ": " + entry->error->describe();
  }
  return Error{failed.front()->error->code, std::move(message), ""};
}

LockChange change_for(const LockedKernel& entry, const Lockfile* previous, bool kept) {
  LockChange change;
  change.repo_id = entry.repo_id;
  change.new_sha = entry.sha;
  change.kept_without_network = kept;
  const LockedKernel* old = previous ? previous->find(entry.repo_id) : nullptr;
  if (old == nullptr) {
    change.kind = LockChange::Kind::added;
  } else {
    change.old_sha = old->sha;
    change.kind = *old == entry ? LockChange::Kind::unchanged : LockChange::Kind::updated;
  }
  return change;
}

}  // namespace

Result<LockOutcome> compute_lock(const LockRequest& request, HubClient& hub) {
  auto config = load_project_config(request.project_dir);
  if (!config) return tl::unexpected(std::move(config.error()));
  if (!config->declares_dependencies) {
    return fail(
        ErrorCode::not_found,
        "no kernel dependencies declared; add some with `kernels add ORG/NAME@1` (they go in " +
            std::string(config->format == ConfigFormat::pyproject ? "[tool.kernels.dependencies]"
                                                                  : "[dependencies]") +
            ")",
        config->path.string());
  }

  LockOutcome outcome;
  auto previous = read_existing_lock(request.project_dir, outcome.previous_text);
  if (!previous) return tl::unexpected(std::move(previous.error()));
  const LockFormat format = request.format.value_or(
      previous->has_value() ? (*previous)->format : LockFormat::variant_hashes);
  const bool same_format = previous->has_value() && (*previous)->format == format;

  // Entries that stay as they are, and the dependencies that need the Hub.
  std::vector<std::optional<LockedKernel>> kept(config->dependencies.size());
  std::vector<PendingLock> pending;
  std::vector<std::size_t> pending_index;
  for (std::size_t i = 0; i < config->dependencies.size(); ++i) {
    const Dependency& dependency = config->dependencies[i];
    const LockedKernel* locked = same_format ? (*previous)->find(dependency.repo_id) : nullptr;
    if (locked != nullptr && !wants_upgrade(request, dependency.repo_id) &&
        still_holds(dependency, *locked, format, request.cache_dir)) {
      kept[i] = *locked;
      continue;
    }
    pending.push_back(
        PendingLock{dependency, RepoRef{dependency.repo_id, RepoType::kernel}, {}, {}, {}, {}, {}});
    pending_index.push_back(i);
  }

  if (!pending.empty()) {
    // kernels <= 0.16 followed kernel-status.toml redirects when locking; 0.17 does not.
    if (format == LockFormat::variant_hashes) detail::follow_redirects(pending, hub);
    detail::resolve_versions(pending, hub, outcome.warnings);
    detail::resolve_commits(pending, hub);
    if (format == LockFormat::variant_hashes) detail::hash_variants(pending, hub);
    if (std::any_of(pending.begin(), pending.end(),
                    [](const PendingLock& entry) { return entry.error.has_value(); })) {
      return tl::unexpected(combined_error(pending));
    }
  }

  outcome.lockfile.format = format;
  std::size_t next_pending = 0;
  for (std::size_t i = 0; i < config->dependencies.size(); ++i) {
    const Lockfile* old = previous->has_value() ? &**previous : nullptr;
    if (kept[i]) {
      outcome.changes.push_back(change_for(*kept[i], old, true));
      outcome.lockfile.kernels.push_back(std::move(*kept[i]));
      continue;
    }
    PendingLock& entry = pending[next_pending++];
    LockedKernel locked{entry.dependency.repo_id, entry.sha, std::move(entry.variants),
                        std::nullopt};
    if (format == LockFormat::dependency_commits) locked.requirement = entry.dependency.requirement;
    if (!entry.cache_ref.empty()) {
      outcome.resolved_refs.push_back(ResolvedRef{
          locked.repo_id, entry.repo.type == RepoType::model, entry.cache_ref, locked.sha});
    }
    outcome.changes.push_back(change_for(locked, old, false));
    outcome.lockfile.kernels.push_back(std::move(locked));
  }
  if (previous->has_value()) {
    for (const LockedKernel& old : (*previous)->kernels) {
      if (outcome.lockfile.find(old.repo_id) == nullptr) {
        outcome.changes.push_back(
            LockChange{LockChange::Kind::removed, old.repo_id, old.sha, {}, false});
      }
    }
  }
  if (auto valid = validate_lockfile(outcome.lockfile); !valid)
    return tl::unexpected(valid.error());
  outcome.text = serialize_lockfile(outcome.lockfile);
  return outcome;
}

Result<void> write_lock(const LockRequest& request, const LockOutcome& outcome) {
  if (auto written = write_file_atomically(lockfile_path(request.project_dir), outcome.text);
      !written) {
    return written;
  }
  if (request.cache_dir.empty()) return {};
  for (const ResolvedRef& ref : outcome.resolved_refs) {
    const auto type = ref.model_repo ? CacheRepoType::model : CacheRepoType::kernel;
    // The cache is a convenience here: failing to record a ref must not fail the lock.
    (void)write_cache_ref(request.cache_dir, ref.repo_id, type, ref.revision, ref.commit);
  }
  return {};
}

std::vector<std::string> describe_lock_changes(const LockOutcome& outcome) {
  const auto short_sha = [](const std::string& sha) { return sha.substr(0, 7); };
  std::vector<std::string> lines;
  if (!outcome.previous_text) lines.push_back("kernels.lock does not exist yet");
  for (const LockChange& change : outcome.changes) {
    switch (change.kind) {
      case LockChange::Kind::added:
        lines.push_back("+ " + change.repo_id + " " + short_sha(change.new_sha));
        break;
      case LockChange::Kind::removed:
        lines.push_back("- " + change.repo_id + " " + short_sha(change.old_sha));
        break;
      case LockChange::Kind::updated:
        lines.push_back("~ " + change.repo_id + " " + short_sha(change.old_sha) + " -> " +
                        short_sha(change.new_sha) +
                        (change.old_sha == change.new_sha ? " (variant hashes differ)" : ""));
        break;
      case LockChange::Kind::unchanged:
        break;
    }
  }
  if (lines.empty() && outcome.previous_text && !outcome.up_to_date()) {
    lines.push_back("kernels.lock is not formatted as `kernels lock` writes it");
  }
  return lines;
}

}  // namespace kernels
