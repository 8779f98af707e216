// HubApi: request dispatch, authorization, repo lookup and revision resolution, and the JSON
// routes (refs, repo info, organization overview). Trees and files are in hub_files.cpp.
#include "kernels/mirror/hub_api.hpp"

#include <algorithm>
#include <utility>

#include "kernels/util/hash.hpp"

#include "mirror/hub_api_state.hpp"
#include "mirror/repo_id_check.hpp"
#include "util/ascii.hpp"

namespace kernels::mirror {
namespace detail {
namespace {

using nlohmann::ordered_json;

// Bounds the commit cache; a mirror serves few commits at a time.
constexpr std::size_t kMaxCachedCommits = 256;

HubReply repo_not_found(int status = 404) {
  return error_reply(status, "RepoNotFound", "Repository not found");
}

std::string bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      ascii::to_lower(authorization.substr(0, kScheme.size())) != kScheme) {
    return {};
  }
  return std::string(authorization.substr(kScheme.size()));
}

// The refs a client sees: branches (main first), tags, and the always-empty converts.
HubReply refs_reply(const MirrorRefs& refs, bool include_pull_requests) {
  const auto entry = [](const std::string& name, const std::string& prefix,
                        const std::string& target) {
    return ordered_json{{"name", name}, {"ref", prefix + name}, {"targetCommit", target}};
  };
  ordered_json branches = ordered_json::array();
  if (const auto main = refs.branches.find("main"); main != refs.branches.end()) {
    branches.push_back(entry(main->first, "refs/heads/", main->second));
  }
  for (const auto& [name, target] : refs.branches) {
    if (name != "main") branches.push_back(entry(name, "refs/heads/", target));
  }
  ordered_json tags = ordered_json::array();
  for (const auto& [name, target] : refs.tags)
    tags.push_back(entry(name, "refs/tags/", target));
  ordered_json document{{"branches", std::move(branches)},
                        {"converts", ordered_json::array()},
                        {"tags", std::move(tags)}};
  if (include_pull_requests) document["pullRequests"] = ordered_json::array();
  return json_reply(document);
}

bool query_flag(const RequestTarget& target, const char* key) {
  const auto found = target.query.find(key);
  return found != target.query.end() &&
         (found->second == "true" || found->second == "True" || found->second == "1");
}

HubReply info_reply(const RepoRequest& repo) {
  const MirrorCommit& commit = repo.loaded->commit;
  const std::string& id = repo.route.repo_id;
  // A stable, Mongo-like 24-hex id, as the Hub's "_id".
  const std::string object_id = sha1_hex(std::string(to_string(repo.settings.type)) + ":" + id)
                                    .value_or(std::string(40, '0'));
  ordered_json document{
      {"_id", object_id.substr(0, 24)},
      {"id", id},
      {"author", id.substr(0, id.find('/'))},
      {"sha", commit.id},
      {"lastModified", commit.created},
      {"private", repo.settings.is_private},
      {"gated", repo.settings.gated ? ordered_json("manual") : ordered_json(false)},
      {"disabled", repo.settings.disabled},
      {"downloads", 0},
      {"likes", 0},
      {"tags", ordered_json::array()},
      {"createdAt", repo.settings.created_at.empty() ? commit.created : repo.settings.created_at}};
  // Kernel info never carries siblings: hub 1.10-1.21 would choke on them (hub-api.md 2.4).
  if (repo.settings.type == RepoType::model) {
    document["modelId"] = id;
    const bool blobs = query_flag(repo.target, "blobs");
    ordered_json siblings = ordered_json::array();
    for (const MirrorFile& file : commit.files) {
      ordered_json sibling{{"rfilename", file.path}};
      if (blobs) {
        sibling["size"] = file.size;
        sibling["blobId"] = file.oid;
        if (file.lfs) {
          sibling["lfs"] =
              ordered_json{{"sha256", file.sha256},
                           {"size", file.size},
                           {"pointerSize", lfs_pointer(file.sha256, file.size).size()}};
        }
      }
      siblings.push_back(std::move(sibling));
    }
    document["siblings"] = std::move(siblings);
  }
  return json_reply(document);
}

HubReply org_reply(const HubApiState& state, const std::string& org) {
  if (!check_repo_id_part(org, "organization"))
    return error_reply(404, "", "Organization not found");
  auto repos = state.store.list_repos(org);
  auto settings = state.store.read_org(org);
  if (!repos || !settings)
    return error_reply(500, "", "The mirror's organization files are unreadable");
  if (repos->empty() && !settings->has_value())
    return error_reply(404, "", "Organization not found");
  std::size_t kernels = 0;
  std::size_t models = 0;
  for (const std::string& repo_id : *repos) {
    auto repo = state.store.read_repo(repo_id);
    if (repo && repo->has_value()) ++((*repo)->type == RepoType::kernel ? kernels : models);
  }
  const bool trusted = settings->has_value() && (*settings)->trusted_kernel_publisher;
  return json_reply(ordered_json{{"name", org},
                                 {"fullname", org},
                                 {"avatarUrl", ""},
                                 {"isVerified", false},
                                 {"numUsers", 0},
                                 {"numModels", models},
                                 {"numKernels", kernels},
                                 {"numSpaces", 0},
                                 {"numDatasets", 0},
                                 {"numFollowers", 0},
                                 {"trustedKernelPublisher", trusted}});
}

HubReply repo_route_reply(const HubApiState& state, const HubRequest& request,
                          const RequestTarget& target, const HubRoute& route, bool authorized) {
  if (!check_repo_id(route.repo_id)) return repo_not_found();
  auto settings = state.store.read_repo(route.repo_id);
  if (!settings)
    return error_reply(500, "",
                       "The mirror's repo.json is unreadable: " + settings.error().describe());
  if (!settings->has_value() || (*settings)->type != route.type) return repo_not_found();
  const RepoSettings& repo_settings = **settings;
  const bool protected_repo = !state.options.required_token.empty() && !authorized;
  if (protected_repo && repo_settings.is_private) return repo_not_found(401);
  if (protected_repo && repo_settings.gated) {
    return error_reply(401, "GatedRepo",
                       "Access to " + std::string(to_string(route.type)) + " " + route.repo_id +
                           " is restricted. You must have access to it and be authenticated to "
                           "access it. Please log in.");
  }
  if (repo_settings.disabled) return error_reply(403, "", "Access to this resource is disabled.");

  auto refs = state.store.read_refs(route.repo_id);
  if (!refs)
    return error_reply(500, "", "The mirror's refs.json is unreadable: " + refs.error().describe());
  if (route.kind == RouteKind::refs) return refs_reply(*refs, query_flag(target, "include_prs"));

  auto commit = resolve_revision(state.store, route.repo_id, *refs, route.revision);
  if (!commit) return error_reply(500, "", commit.error().describe());
  if (!*commit) return error_reply(404, "RevisionNotFound", "Invalid rev id: " + route.revision);
  auto loaded = state.load_commit(route.repo_id, **commit);
  if (!loaded)
    return error_reply(500, "", "The mirror's commit is unreadable: " + loaded.error().describe());

  const RepoRequest repo{request, target, route, repo_settings, std::move(*loaded)};
  switch (route.kind) {
    case RouteKind::repo_info:
      return info_reply(repo);
    case RouteKind::tree:
      return tree_reply(state, repo);
    case RouteKind::resolve:
      return resolve_reply(state, repo);
    case RouteKind::refs:
    case RouteKind::org_overview:
      break;
  }
  return error_reply(404, "", "Not found");
}

}  // namespace

Result<std::shared_ptr<const LoadedCommit>> HubApiState::load_commit(
    std::string_view repo_id, std::string_view commit_id) const {
  const std::string key = std::string(repo_id) + "@" + std::string(commit_id);
  {
    const std::lock_guard lock(cache_mutex);
    if (const auto found = commit_cache.find(key); found != commit_cache.end())
      return found->second;
  }
  auto commit = store.read_commit(repo_id, commit_id);
  if (!commit) return tl::unexpected(commit.error());
  auto tree = RepoTree::build(*commit);
  if (!tree) return tl::unexpected(tree.error());
  auto loaded =
      std::make_shared<const LoadedCommit>(LoadedCommit{std::move(*commit), std::move(*tree)});
  const std::lock_guard lock(cache_mutex);
  if (commit_cache.size() >= kMaxCachedCommits) commit_cache.clear();
  commit_cache.emplace(key, loaded);
  return loaded;
}

}  // namespace detail

HubApi::HubApi(Store store, HubApiOptions options)
    : state_(std::make_unique<detail::HubApiState>(std::move(store), std::move(options))) {}

HubApi::~HubApi() = default;

HubReply HubApi::handle(const HubRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return detail::error_reply(405, "", "Method not allowed: this mirror is read-only");
  }
  const auto target = detail::split_target(request.target);
  if (!target) return detail::error_reply(400, "", "Bad request: malformed URL");
  const auto route = detail::match_hub_route(*target);
  if (!route)
    return detail::error_reply(404, "", "Sorry, we can't find the page you are looking for.");

  bool authorized = false;
  if (!state_->options.required_token.empty() && !request.authorization.empty()) {
    if (detail::bearer_token(request.authorization) != state_->options.required_token) {
      return detail::error_reply(401, "", "Invalid credentials in Authorization header");
    }
    authorized = true;
  }
  if (route->kind == detail::RouteKind::org_overview) return detail::org_reply(*state_, route->org);
  return detail::repo_route_reply(*state_, request, *target, *route, authorized);
}

HubReply HubApi::handle_cdn(const HubRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return detail::error_reply(405, "", "Method not allowed");
  }
  const auto target = detail::split_target(request.target);
  if (!target || target->segments.size() != 2 || target->segments[0] != "lfs") {
    return detail::error_reply(404, "", "NoSuchKey");
  }
  const std::string& sha256 = target->segments[1];
  auto path = state_->store.object_path(sha256);
  if (!path) return detail::error_reply(404, "", "NoSuchKey");
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(*path, error);
  if (error) return detail::error_reply(404, "", "NoSuchKey");
  return detail::object_reply(*state_, request, sha256, size, "\"" + sha256 + "\"",
                              "application/octet-stream");
}

}  // namespace kernels::mirror
