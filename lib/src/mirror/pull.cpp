#include "kernels/mirror/pull.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <variant>

#include "kernels/hub/hub_client.hpp"
#include "kernels/hub/hub_responses.hpp"
#include "kernels/hub/url.hpp"
#include "kernels/model/repo_path.hpp"
#include "kernels/model/specifier.hpp"
#include "kernels/model/version_resolution.hpp"

#include "mirror/file_io.hpp"
#include "mirror/pull_fetch.hpp"
#include "mirror/repo_id_check.hpp"
#include "mirror/repo_lock.hpp"

namespace kernels::mirror {
namespace {

// A commit to pull and the name it was found under.
struct Target {
  std::string revision;
  std::string commit;
};

// What the upstream said about one target, before anything is written.
struct UpstreamCommit {
  Target target;
  std::string created;
  std::vector<detail::WantedFile> files;
};

Error located(Error error, std::string_view where) {
  if (error.location.empty()) error.location = std::string(where);
  return error;
}

const GitRef* find_ref(const std::vector<GitRef>& refs, std::string_view name) {
  const auto found = std::find_if(refs.begin(), refs.end(),
                                  [name](const GitRef& ref) { return ref.name == name; });
  return found == refs.end() ? nullptr : &*found;
}

// A revision as the Hub resolves it (a full ref, a tag, a branch), from the refs already listed;
// anything else (a commit id) through the repo info, which also says whether it exists.
Result<Target> resolve_revision_name(HubClient& upstream, const RepoRefs& refs,
                                     const std::string& name) {
  constexpr std::string_view kHeads = "refs/heads/";
  constexpr std::string_view kTags = "refs/tags/";
  const GitRef* ref = nullptr;
  if (name.starts_with(kHeads)) {
    ref = find_ref(refs.branches, std::string_view(name).substr(kHeads.size()));
  } else if (name.starts_with(kTags)) {
    ref = find_ref(refs.tags, std::string_view(name).substr(kTags.size()));
  } else {
    ref = find_ref(refs.tags, name);
    if (ref == nullptr) ref = find_ref(refs.branches, name);
  }
  if (ref != nullptr) return Target{name, ref->target_commit};
  auto info = upstream.repo_info(RepoRevision{refs.repo, name});
  if (!info) return tl::unexpected(std::move(info.error()));
  return Target{name, info->sha};
}

// The requirement as `kernels lock` reads it (ops/lock_stages.cpp), against the upstream's refs.
Result<Target> resolve_target(HubClient& upstream, const RepoRefs& refs,
                              const PullRequest& request) {
  const Requirement requirement = request.requirement.value_or(Revision{"main"});
  if (const auto* revision = std::get_if<Revision>(&requirement)) {
    return resolve_revision_name(upstream, refs, revision->name);
  }
  if (const auto* major = std::get_if<MajorVersion>(&requirement)) {
    auto selection = select_branch(refs.branches, major->number, request.repo_id);
    if (!selection) return tl::unexpected(located(selection.error(), request.repo_id));
    const GitRef& ref = selection->selected.ref;
    return Target{ref.name, ref.target_commit};
  }
  const auto& text = std::get<VersionSpecifier>(requirement).text;
  auto specifier = parse_specifier_set(text);
  if (!specifier) return tl::unexpected(located(specifier.error(), request.repo_id));
  auto tag = select_by_specifier(refs.tags, *specifier, request.repo_id);
  if (!tag) return tl::unexpected(located(tag.error(), request.repo_id));
  return Target{tag->ref.name, tag->ref.target_commit};
}

// The Hub's lastModified ("...:SS.123456Z", "...:SSZ") in the mirror's one date form.
std::optional<std::string> mirror_date(const std::optional<std::string>& hub_date) {
  constexpr std::size_t kSeconds = 19;  // "YYYY-MM-DDTHH:MM:SS"
  if (!hub_date || hub_date->size() <= kSeconds || hub_date->back() != 'Z') return std::nullopt;
  std::string fraction;
  if ((*hub_date)[kSeconds] == '.') {
    fraction = hub_date->substr(kSeconds + 1, hub_date->size() - kSeconds - 2);
  }
  fraction.resize(3, '0');
  return hub_date->substr(0, kSeconds) + "." + fraction.substr(0, 3) + "Z";
}

// The commit's listing and date, from the upstream.
Result<UpstreamCommit> describe_commit(HubClient& upstream, const RepoRef& repo, Target target,
                                       const PullRequest& request, bool& is_private) {
  auto info = upstream.repo_info(RepoRevision{repo, target.commit});
  if (!info) return tl::unexpected(std::move(info.error()));
  is_private = is_private || info->is_private.value_or(false);
  auto tree = upstream.tree(TreeQuery{repo, target.commit, "", true});
  if (!tree) return tl::unexpected(std::move(tree.error()));

  UpstreamCommit commit;
  commit.created =
      mirror_date(info->last_modified).value_or(iso8601_utc(request.fallback_unix_seconds));
  for (const TreeEntry& entry : tree->entries) {
    if (entry.type != TreeEntryType::file) continue;
    // parse_tree_page checked the path; checked again since it becomes part of the mirror.
    if (auto ok = validate_repo_path(entry.path); !ok) return tl::unexpected(ok.error());
    MirrorFile file;
    file.path = entry.path;
    file.oid = entry.oid;
    file.lfs = entry.lfs.has_value();
    file.size = entry.lfs ? entry.lfs->size : entry.size;
    if (entry.lfs) file.sha256 = entry.lfs->sha256;
    commit.files.push_back(detail::WantedFile{std::move(file), target.commit});
  }
  std::sort(commit.files.begin(), commit.files.end(),
            [](const detail::WantedFile& a, const detail::WantedFile& b) {
              return a.entry.path < b.entry.path;
            });
  commit.target = std::move(target);
  return commit;
}

// SHA-256 of regular files by git blob id, from the mirror's commits of the repo that a ref
// points to or that are being pulled again: what lets a pull skip files it has. Only a hint:
// an object found this way is re-hashed, and an unreadable commit is ignored here.
std::map<std::string, std::string> known_contents(const Store& store, const std::string& repo_id,
                                                  const MirrorRefs& refs,
                                                  const std::vector<UpstreamCommit>& commits) {
  std::set<std::string> ids;
  for (const auto& [name, id] : refs.branches)
    ids.insert(id);
  for (const auto& [name, id] : refs.tags)
    ids.insert(id);
  for (const UpstreamCommit& commit : commits)
    ids.insert(commit.target.commit);
  std::map<std::string, std::string> known;
  for (const std::string& id : ids) {
    auto commit = store.read_commit(repo_id, id);
    if (!commit) continue;
    for (const MirrorFile& file : commit->files) {
      if (!file.lfs) known.emplace(file.oid, file.sha256);
    }
  }
  return known;
}

bool same_files(const std::vector<MirrorFile>& a, const std::vector<MirrorFile>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const MirrorFile& x, const MirrorFile& y) {
                      return x.path == y.path && x.size == y.size && x.oid == y.oid &&
                             x.sha256 == y.sha256 && x.lfs == y.lfs;
                    });
}

Result<RepoSettings> settings_for_pull(const std::optional<RepoSettings>& existing,
                                       const RepoRef& repo, bool is_private,
                                       const std::string& created, const std::string& endpoint) {
  if (!existing) {
    RepoSettings settings;
    settings.type = repo.type;
    settings.is_private = is_private;
    settings.created_at = created;
    return settings;
  }
  if (existing->type != repo.type) {
    return fail(ErrorCode::invalid_input,
                repo.repo_id + " is a " + std::string(to_string(existing->type)) +
                    " repo in this mirror but a " + std::string(to_string(repo.type)) +
                    " repo on " + endpoint +
                    "; pull into another mirror directory or remove the mirror's repo first");
  }
  RepoSettings settings = *existing;
  settings.is_private = settings.is_private || is_private;
  return settings;
}

// Points the mirror's refs at the commit wherever the upstream's do.
void copy_refs(const RepoRefs& upstream_refs, const std::string& commit, MirrorRefs& refs,
               PulledCommit& pulled, PullResult& result) {
  const auto copy = [&](const std::vector<GitRef>& from, std::map<std::string, std::string>& to,
                        std::vector<std::string>& names, const char* kind) {
    for (const GitRef& ref : from) {
      if (ref.target_commit != commit) continue;
      if (!validate_ref_name(ref.name)) {
        result.skipped_refs.push_back(std::string(kind) + " " + ref.name);
        continue;
      }
      names.push_back(ref.name);
      auto [slot, inserted] = to.emplace(ref.name, commit);
      if (!inserted && slot->second != commit) {
        result.moved.push_back(MovedRef{std::string(kind) + " " + ref.name, slot->second, commit});
        slot->second = commit;
      }
    }
  };
  copy(upstream_refs.branches, refs.branches, pulled.branches, "branch");
  copy(upstream_refs.tags, refs.tags, pulled.tags, "tag");
}

// Where kernel-status.toml at the root of the commit redirects clients, if it does: a lock against
// the mirror follows it, so the destination must be pulled too. Unreadable or malformed: nothing
// (a lock reports that itself).
std::optional<std::string> redirect_of(const Store& store, const MirrorCommit& commit) {
  const auto found =
      std::find_if(commit.files.begin(), commit.files.end(),
                   [](const MirrorFile& file) { return file.path == "kernel-status.toml"; });
  if (found == commit.files.end()) return std::nullopt;
  auto path = store.object_path(found->sha256);
  if (!path) return std::nullopt;
  auto text = detail::read_file_if_exists(*path, kMaxKernelStatusBytes);
  if (!text || !*text) return std::nullopt;
  auto status = parse_kernel_status_toml(**text, found->path);
  if (!status) return std::nullopt;
  return status->destination;
}

}  // namespace

Result<PullResult> pull(const std::filesystem::path& mirror_dir, HubClient& upstream,
                        const PullRequest& request, const DownloadObserver& observer) {
  if (auto ok = detail::check_repo_id(request.repo_id); !ok) return tl::unexpected(ok.error());
  const std::string endpoint = redact_url(upstream.endpoint().url);

  // Everything the upstream says comes first: a missing repo or version writes nothing.
  auto upstream_refs = upstream.refs(RepoRef{request.repo_id, RepoType::kernel});
  if (!upstream_refs) return tl::unexpected(std::move(upstream_refs.error()));
  const RepoRef repo = upstream_refs->repo;
  auto wanted = resolve_target(upstream, *upstream_refs, request);
  if (!wanted) return tl::unexpected(std::move(wanted.error()));
  std::vector<Target> targets{*wanted};
  // Clients read kernel-status.toml at main: a mirror repo without the upstream's main would
  // answer that read with RevisionNotFound, which fails a lock that the upstream passes.
  const GitRef* upstream_main = find_ref(upstream_refs->branches, "main");
  if (upstream_main != nullptr && upstream_main->target_commit != wanted->commit) {
    targets.push_back(Target{"main", upstream_main->target_commit});
  }
  bool is_private = false;
  std::vector<UpstreamCommit> commits;
  for (Target& target : targets) {
    auto commit = describe_commit(upstream, repo, std::move(target), request, is_private);
    if (!commit) return tl::unexpected(std::move(commit.error()));
    commits.push_back(std::move(*commit));
  }
  const std::string org = request.repo_id.substr(0, request.repo_id.find('/'));
  auto overview = upstream.org_overview(org);
  const bool trusted = overview && overview->trusted_kernel_publisher;

  auto store = Store::open_or_create(mirror_dir);
  if (!store) return tl::unexpected(store.error());
  auto repo_dir = store->repo_dir(request.repo_id);
  if (!repo_dir) return tl::unexpected(repo_dir.error());
  auto lock = detail::RepoLock::acquire(*repo_dir);
  if (!lock) return tl::unexpected(lock.error());
  auto existing = store->read_repo(request.repo_id);
  if (!existing) return tl::unexpected(existing.error());
  auto settings = settings_for_pull(*existing, repo, is_private, commits.front().created, endpoint);
  if (!settings) return tl::unexpected(settings.error());
  auto refs = store->read_refs(request.repo_id);
  if (!refs) return tl::unexpected(refs.error());
  const MirrorRefs refs_before = *refs;

  // The objects of every commit, before any commit or ref is written.
  const auto known = known_contents(*store, request.repo_id, *refs, commits);
  std::vector<detail::WantedFile> files;
  for (const UpstreamCommit& commit : commits) {
    for (const detail::WantedFile& file : commit.files) {
      files.push_back(file);
      if (file.entry.lfs) continue;
      if (const auto found = known.find(file.entry.oid); found != known.end()) {
        files.back().entry.sha256 = found->second;
      }
    }
  }
  detail::FetchTotals totals;
  auto fetched = detail::fetch_objects(*store, upstream, repo, files, observer, totals);
  if (!fetched) {
    Error error = std::move(fetched.error());
    if (error.code == ErrorCode::integrity) {
      error.message += "; nothing of " + request.repo_id +
                       " was recorded in the mirror (no commit, no ref; verified objects stay)";
    }
    return tl::unexpected(std::move(error));
  }

  PullResult result;
  result.repo_id = request.repo_id;
  result.type = repo.type;
  result.created_repo = !existing->has_value();
  result.trusted_publisher = trusted;
  std::vector<MirrorCommit> to_write;
  std::size_t next = 0;
  for (const UpstreamCommit& upstream_commit : commits) {
    PulledCommit pulled;
    pulled.commit = upstream_commit.target.commit;
    pulled.revision = upstream_commit.target.revision;
    MirrorCommit commit;
    commit.created = upstream_commit.created;
    commit.message = "Pulled from " + endpoint;
    commit.upstream = CommitUpstream{pulled.commit, endpoint};
    for (std::size_t i = 0; i < upstream_commit.files.size(); ++i, ++next) {
      const MirrorFile& entry = files[next].entry;
      pulled.bytes += entry.size;
      if (entry.lfs) ++pulled.lfs_files;
      if ((*fetched)[next]) {
        ++pulled.files_fetched;
        pulled.bytes_fetched += entry.size;
      }
      commit.files.push_back(entry);
    }
    pulled.files = commit.files.size();
    if (upstream_main != nullptr && upstream_main->target_commit == pulled.commit) {
      result.redirect = redirect_of(*store, commit);
    }
    auto present = store->read_commit(request.repo_id, pulled.commit);
    if (present) {
      if (!same_files(present->files, commit.files)) {
        return fail(ErrorCode::integrity,
                    request.repo_id + ": the mirror holds commit " + pulled.commit +
                        " with other files than the upstream lists for it; nothing was "
                        "recorded. If the mirror's copy is stale, remove its commit file and pull "
                        "again",
                    (*repo_dir / "commits" / (pulled.commit + ".json")).string());
      }
    } else if (present.error().code == ErrorCode::not_found) {
      pulled.added = true;
      to_write.push_back(std::move(commit));
    } else {
      return tl::unexpected(std::move(present.error()));
    }
    copy_refs(*upstream_refs, pulled.commit, *refs, pulled, result);
    result.commits.push_back(std::move(pulled));
  }

  // The order of `mirror add`: repo.json, the commits, the organization, refs.json last.
  if (!existing->has_value() || existing->value().is_private != settings->is_private) {
    if (auto ok = store->write_repo(request.repo_id, *settings); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  for (MirrorCommit& commit : to_write) {
    auto id = store->write_commit(request.repo_id, std::move(commit));
    if (!id) return tl::unexpected(id.error());
  }
  if (trusted) {
    auto org_settings = store->read_org(org);
    if (!org_settings) return tl::unexpected(org_settings.error());
    if (!*org_settings || !(*org_settings)->trusted_kernel_publisher) {
      if (auto ok = store->write_org(org, OrgSettings{true}); !ok)
        return tl::unexpected(ok.error());
    }
  }
  // Pulling again changes no file of the mirror.
  if (refs->branches != refs_before.branches || refs->tags != refs_before.tags) {
    if (auto ok = store->write_refs(request.repo_id, *refs); !ok) return tl::unexpected(ok.error());
  }
  return result;
}

}  // namespace kernels::mirror
