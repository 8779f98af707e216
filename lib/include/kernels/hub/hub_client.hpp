#pragma once

// The Hub API as calls: one HttpClient configured from Settings (endpoint, token bound to the
// endpoint's origin, offline, User-Agent), the model-type fallback, and batch helpers that run one
// stage for many repos in one HttpClient::perform batch (the lock's stages: kernel-status for all,
// refs for all, info for all, trees for all with the pagination rounds batched across repos).
//
// Every call:
// * offline (Settings::offline): fails at once, ErrorCode::network, without a request;
// * checks the repo id, revision and path first (invalid_input, no request);
// * for a RepoRef of type kernel whose type is not known yet, retries a request once as a model
//   repo when needs_model_fallback() says so, and remembers which type answered (one fallback per
//   repo for the client's lifetime). A RepoRef of type model is asked as a model only;
// * returns results that name the type that answered (RepoRefs::repo, ...), which the cache needs
//   (kernels--org--name or models--org--name).
// Error messages never contain the token, not even when a server echoes it back.
//
// Not thread-safe, like the HttpClient it owns.

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/http.hpp"
#include "kernels/hub/hub_types.hpp"
#include "kernels/hub/user_agent.hpp"
#include "kernels/model/settings.hpp"

namespace kernels {

struct HubClientOptions {
  // Transport settings. user_agent, bearer_token and token_origin are overwritten from Settings
  // and `user_agent` below.
  HttpSettings http;
  UserAgentInfo user_agent;
};

// A repo at a revision. An empty revision means the default branch for repo_info_many and "main"
// for kernel_status_many.
struct RepoRevision {
  RepoRef repo{};
  std::string revision{};
};

struct TreeQuery {
  RepoRef repo{};
  std::string revision = "main";
  std::string path_in_repo{};  // empty: the root
  bool recursive = true;
};

struct FileQuery {
  RepoRef repo{};
  std::string revision = "main";
  std::string path{};
};

class HubClient {
 public:
  // Fails on an endpoint that is not an http(s) URL and on unusable HTTP settings.
  [[nodiscard]] static Result<HubClient> create(const Settings& settings,
                                                HubClientOptions options = {});

  [[nodiscard]] const HubEndpoint& endpoint() const { return endpoint_; }
  [[nodiscard]] bool offline() const { return offline_; }
  // The client for downloads, so that one process keeps one connection cache.
  [[nodiscard]] HttpClient& http() { return http_; }
  // `error` with the token replaced by "<token>": for errors made from responses to requests
  // sent through http() (hub_error() quotes what the server said, which may echo the token).
  [[nodiscard]] Error without_token(Error error) const;
  // The repo type that answered for this repo id, once a call has found out.
  [[nodiscard]] std::optional<RepoType> known_repo_type(std::string_view repo_id) const;

  [[nodiscard]] Result<RepoRefs> refs(const RepoRef& repo);
  [[nodiscard]] Result<RepoInfo> repo_info(const RepoRevision& query);
  // Every page, followed in order.
  [[nodiscard]] Result<RepoTree> tree(const TreeQuery& query);
  // HEAD on /resolve, following relative redirects only (hub-api.md 2.7).
  [[nodiscard]] Result<FileMetadata> file_metadata(const FileQuery& query);
  // nullopt when the repo has no kernel-status.toml (see parse_kernel_status_response).
  [[nodiscard]] Result<std::optional<KernelStatus>> kernel_status(const RepoRevision& query);
  [[nodiscard]] Result<OrgOverview> org_overview(std::string_view org);

  // One result per item, in order; each stage is one batch (two with fallbacks; trees add one
  // batch per pagination round, shared by every repo with more pages).
  [[nodiscard]] std::vector<Result<RepoRefs>> refs_many(std::span<const RepoRef> repos);
  [[nodiscard]] std::vector<Result<RepoInfo>> repo_info_many(std::span<const RepoRevision> queries);
  [[nodiscard]] std::vector<Result<RepoTree>> tree_many(std::span<const TreeQuery> queries);
  [[nodiscard]] std::vector<Result<FileMetadata>> file_metadata_many(
      std::span<const FileQuery> queries);
  [[nodiscard]] std::vector<Result<std::optional<KernelStatus>>> kernel_status_many(
      std::span<const RepoRevision> queries);
  // GET of small files through /resolve (the lock reads every variant's metadata.json), each body
  // at most max_bytes, as text. A missing file is ErrorCode::not_found naming the path.
  [[nodiscard]] std::vector<Result<std::string>> file_text_many(std::span<const FileQuery> queries,
                                                                std::size_t max_bytes);
  // The overview of each organization, all in one batch (no model fallback: not a repo).
  [[nodiscard]] std::vector<Result<OrgOverview>> org_overview_many(
      std::span<const std::string> orgs);

 private:
  HubClient(HubEndpoint endpoint, HttpClient http, bool offline, std::string token);

  HubEndpoint endpoint_;
  HttpClient http_;
  bool offline_ = false;
  std::string token_;  // only to scrub it from error messages
  std::map<std::string, RepoType, std::less<>> known_types_;
};

}  // namespace kernels
