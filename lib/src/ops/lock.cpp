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

#include "lock_depends.hpp"
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

bool trusts(const LockRequest& request, std::string_view repo_id) {
  return request.trust_all || std::find(request.trusted.begin(), request.trusted.end(), repo_id) !=
                                  request.trusted.end();
}

// One error for all the dependencies that failed, so that one run shows every problem.
Error combined_error(const std::vector<const PendingLock*>& failed) {
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

// A kernel in the dependency graph: one of the project's dependencies, or a kernel-depends entry
// of a locked kernel's metadata.json. Nodes are told apart by what is required (repo and
// requirement), as kernels 0.17 does: two versions of one repo are two nodes.
struct LockNode {
  Dependency required;
  std::string required_by;  // the repo that first asked for it; empty: the project
  PendingLock state;
  std::optional<LockedKernel> kept;  // the previous lock's entry, still good
  std::vector<std::size_t> children;
};

std::string describe_node(const LockNode& node) {
  return node.required.repo_id + " " + describe(node.required.requirement);
}

// The previous lock's entry for a dependency: the same repo and requirement in the
// dependency_commits format (it records the requirement), the same repo in the other.
const LockedKernel* find_locked(const Lockfile& lockfile, const Dependency& dependency,
                                LockFormat format) {
  if (format == LockFormat::variant_hashes) return lockfile.find(dependency.repo_id);
  for (const LockedKernel& entry : lockfile.kernels) {
    if (entry.repo_id == dependency.repo_id && entry.requirement == dependency.requirement)
      return &entry;
  }
  return nullptr;
}

LockNode make_node(Dependency dependency, std::string required_by) {
  LockNode node{dependency, std::move(required_by), {}, std::nullopt, {}};
  node.state.repo = RepoRef{dependency.repo_id, RepoType::kernel};
  node.state.dependency = std::move(dependency);
  return node;
}

class GraphWalk {
 public:
  GraphWalk(const LockRequest& request, HubClient& hub, LockFormat format, const Lockfile* previous,
            std::vector<std::string>& warnings)
      : request_(request), hub_(hub), format_(format), previous_(previous), warnings_(warnings) {}

  // Locks the project's dependencies and, level by level, the kernels they depend on.
  Result<std::vector<LockNode>> run(const std::vector<Dependency>& dependencies) {
    std::vector<std::size_t> level;
    for (const Dependency& dependency : dependencies) {
      level.push_back(nodes_.size());
      nodes_.push_back(make_node(dependency, ""));
    }
    for (bool first = true; !level.empty(); first = false) {
      const bool all_kept = resolve_level(level);
      if (auto failed = level_error(level); failed) return tl::unexpected(std::move(*failed));
      // Nothing to ask the Hub when every dependency keeps its entry and the lock holds nothing
      // else: the entries' kernel-depends were locked with them (kernels.lock has no others).
      if (first && all_kept && previous_ && previous_->kernels.size() == level.size()) break;
      auto next = next_level(level);
      // A kernel whose metadata.json could not be read fails with its level.
      if (auto failed = level_error(level); failed) return tl::unexpected(std::move(*failed));
      level = std::move(next);
    }
    if (auto cycle = cycle_error(); cycle) return tl::unexpected(std::move(*cycle));
    if (format_ == LockFormat::variant_hashes) {
      if (auto conflict = conflict_error(); conflict) return tl::unexpected(std::move(*conflict));
    }
    return std::move(nodes_);
  }

 private:
  // Keeps what the previous lock has and resolves the rest; true when every node was kept.
  bool resolve_level(const std::vector<std::size_t>& level) {
    std::vector<PendingLock*> pending;
    for (const std::size_t i : level) {
      LockNode& node = nodes_[i];
      const LockedKernel* locked =
          previous_ ? find_locked(*previous_, node.required, format_) : nullptr;
      if (locked != nullptr && !wants_upgrade(request_, node.required.repo_id) &&
          still_holds(node.required, *locked, format_, request_.cache_dir)) {
        node.kept = *locked;
        node.state.repo.repo_id = locked->repo_id;
        node.state.sha = locked->sha;
      } else {
        pending.push_back(&node.state);
      }
    }
    if (pending.empty()) return true;
    detail::check_publishers(
        pending, hub_, [&](std::string_view repo_id) { return trusts(request_, repo_id); },
        format_ == LockFormat::dependency_commits ? detail::UntrustedPublisher::refuse
                                                  : detail::UntrustedPublisher::warn,
        warnings_);
    // kernels <= 0.16 followed kernel-status.toml redirects when locking; 0.17 does not.
    if (format_ == LockFormat::variant_hashes) detail::follow_redirects(pending, hub_);
    detail::resolve_versions(pending, hub_, warnings_);
    detail::resolve_commits(pending, hub_);
    if (format_ == LockFormat::variant_hashes) detail::hash_variants(pending, hub_);
    return false;
  }

  // The nodes the level's kernels depend on that are not in the graph yet.
  std::vector<std::size_t> next_level(const std::vector<std::size_t>& level) {
    std::vector<PendingLock*> entries;
    for (const std::size_t i : level)
      entries.push_back(&nodes_[i].state);
    auto depends = detail::read_kernel_depends(entries, hub_,
                                               format_ == LockFormat::dependency_commits
                                                   ? detail::MissingMetadata::error
                                                   : detail::MissingMetadata::skip);
    std::vector<std::size_t> next;
    for (std::size_t k = 0; k < level.size(); ++k) {
      const std::size_t parent = level[k];
      if (!depends[k]) {
        nodes_[parent].state.error = std::move(depends[k].error());
        continue;
      }
      for (Dependency& dependency : *depends[k]) {
        const auto known = std::find_if(nodes_.begin(), nodes_.end(), [&](const LockNode& node) {
          return node.required == dependency;
        });
        std::size_t child = static_cast<std::size_t>(known - nodes_.begin());
        if (known == nodes_.end()) {
          next.push_back(child);
          nodes_.push_back(make_node(std::move(dependency), nodes_[parent].state.repo.repo_id));
        }
        nodes_[parent].children.push_back(child);
      }
    }
    return next;
  }

  std::optional<Error> level_error(const std::vector<std::size_t>& level) const {
    std::vector<const PendingLock*> failed;
    for (const std::size_t i : level) {
      if (nodes_[i].state.error) failed.push_back(&nodes_[i].state);
    }
    if (failed.empty()) return std::nullopt;
    return combined_error(failed);
  }

  std::optional<Error> cycle_error() const {
    std::vector<std::vector<std::size_t>> children;
    for (const LockNode& node : nodes_)
      children.push_back(node.children);
    const auto cycle = detail::find_cycle(children);
    if (cycle.empty()) return std::nullopt;
    std::string path;
    for (const std::size_t i : cycle)
      path += (path.empty() ? "" : " -> ") + describe_node(nodes_[i]);
    return Error{ErrorCode::invalid_input,
                 "cyclic kernel dependency: " + path +
                     "; a kernel cannot depend on itself, directly or through others: fix "
                     "`kernel-depends` in the metadata.json of these builds",
                 nodes_[cycle.front()].required.repo_id};
  }

  // kernels.lock's variant_hashes format holds one commit per repo.
  std::optional<Error> conflict_error() const {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (nodes_[i].state.repo.repo_id != nodes_[j].state.repo.repo_id ||
            nodes_[i].state.sha == nodes_[j].state.sha) {
          continue;
        }
        const auto asker = [](const LockNode& node) {
          return node.required_by.empty() ? std::string("the project") : node.required_by;
        };
        return Error{ErrorCode::invalid_input,
                     nodes_[i].state.repo.repo_id + " is required twice with different commits: " +
                         describe_node(nodes_[j]) + " by " + asker(nodes_[j]) + " and " +
                         describe_node(nodes_[i]) + " by " + asker(nodes_[i]) +
                         "; the hashes format of kernels.lock holds one commit per repo: align "
                         "the requirements, or lock with `kernels lock --format commits`",
                     nodes_[i].state.repo.repo_id};
      }
    }
    return std::nullopt;
  }

  const LockRequest& request_;
  HubClient& hub_;
  LockFormat format_;
  const Lockfile* previous_;
  std::vector<std::string>& warnings_;
  std::vector<LockNode> nodes_;
};

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
  const Lockfile* old = previous->has_value() ? &**previous : nullptr;
  const Lockfile* same_format = old != nullptr && old->format == format ? old : nullptr;

  GraphWalk walk(request, hub, format, same_format, outcome.warnings);
  auto nodes = walk.run(config->dependencies);
  if (!nodes) return tl::unexpected(std::move(nodes.error()));

  outcome.lockfile.format = format;
  for (LockNode& node : *nodes) {
    if (node.kept) {
      // A repo reached twice (the hashes format's redirects) is one entry.
      if (outcome.lockfile.find(node.kept->repo_id) != nullptr &&
          format == LockFormat::variant_hashes) {
        continue;
      }
      outcome.changes.push_back(change_for(*node.kept, old, true));
      outcome.lockfile.kernels.push_back(std::move(*node.kept));
      continue;
    }
    PendingLock& entry = node.state;
    if (format == LockFormat::variant_hashes &&
        outcome.lockfile.find(entry.dependency.repo_id) != nullptr) {
      continue;
    }
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
  if (old != nullptr) {
    for (const LockedKernel& entry : old->kernels) {
      if (outcome.lockfile.find(entry.repo_id) == nullptr) {
        outcome.changes.push_back(
            LockChange{LockChange::Kind::removed, entry.repo_id, entry.sha, {}, false});
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
    const auto type = ref.model_repo ? RepoType::model : RepoType::kernel;
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
