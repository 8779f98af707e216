#pragma once

// What the HubApi handlers share: the store, the options, a cache of parsed commits (immutable,
// so caching them is always correct), and the reply builders.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kernels/mirror/hub_api.hpp"
#include "kernels/mirror/store.hpp"

#include "mirror/hub_routes.hpp"
#include "mirror/repo_tree.hpp"

namespace kernels::mirror::detail {

struct LoadedCommit {
  MirrorCommit commit;
  RepoTree tree;
};

struct HubApiState {
  HubApiState(Store store_in, HubApiOptions options_in)
      : store(std::move(store_in)), options(std::move(options_in)) {}

  // The commit and its tree, from the cache or from disk.
  [[nodiscard]] Result<std::shared_ptr<const LoadedCommit>> load_commit(
      std::string_view repo_id, std::string_view commit_id) const;

  Store store;
  HubApiOptions options;
  mutable std::mutex cache_mutex;
  mutable std::map<std::string, std::shared_ptr<const LoadedCommit>> commit_cache;
};

// A request that reached a repo: the route, the repo's settings and the resolved commit.
struct RepoRequest {
  const HubRequest& request;
  const RequestTarget& target;
  const HubRoute& route;
  RepoSettings settings;
  std::shared_ptr<const LoadedCommit> loaded;
};

// {"error": message} with X-Error-Code (when `code` is not empty) and X-Error-Message.
[[nodiscard]] HubReply error_reply(int status, std::string_view code, std::string_view message);
[[nodiscard]] HubReply json_reply(const nlohmann::ordered_json& document);
// "http://host:port" as the client addressed this server (its Host header), or the default.
[[nodiscard]] std::string request_base_url(const HubRequest& request, const HubApiOptions& options);
// The host name of the Host header without its port ("127.0.0.1", "[::1]"), or the default.
[[nodiscard]] std::string request_host_name(const HubRequest& request,
                                            const HubApiOptions& options);

[[nodiscard]] HubReply tree_reply(const HubApiState& state, const RepoRequest& repo);
[[nodiscard]] HubReply resolve_reply(const HubApiState& state, const RepoRequest& repo);
// A file of the object store, whole or the requested range (the CDN and regular downloads).
[[nodiscard]] HubReply object_reply(const HubApiState& state, const HubRequest& request,
                                    std::string_view sha256, std::uint64_t size, std::string etag,
                                    std::string content_type);

}  // namespace kernels::mirror::detail
