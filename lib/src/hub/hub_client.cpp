// HubClient: creation, the checks and the offline rule every call shares, and the calls that are
// one request per repo (refs, info, kernel-status.toml, organization overview).

#include "kernels/hub/hub_client.hpp"

#include <utility>

#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_requests.hpp"
#include "kernels/hub/hub_responses.hpp"

#include "hub/hub_client_stage.hpp"

namespace kernels {

using detail::revision_or_main;
using detail::StageAnswer;
using detail::StageContext;

Result<HubClient> HubClient::create(const Settings& settings, HubClientOptions options) {
  auto endpoint = make_hub_endpoint(settings.endpoint.value);
  if (!endpoint) return tl::unexpected(endpoint.error());
  HttpSettings http = std::move(options.http);
  http.user_agent = build_user_agent(options.user_agent, settings.telemetry_disabled);
  http.bearer_token = settings.token.value.value_or("");
  http.token_origin = endpoint->url;
  auto client = HttpClient::create(std::move(http));
  if (!client) return tl::unexpected(client.error());
  return HubClient(std::move(*endpoint), std::move(*client), settings.offline.value,
                   settings.token.value.value_or(""));
}

HubClient::HubClient(HubEndpoint endpoint, HttpClient http, bool offline, std::string token)
    : endpoint_(std::move(endpoint)),
      http_(std::move(http)),
      offline_(offline),
      token_(std::move(token)) {}

Error HubClient::without_token(Error error) const {
  detail::scrub_token(error, token_);
  return error;
}

std::optional<RepoType> HubClient::known_repo_type(std::string_view repo_id) const {
  const auto it = known_types_.find(repo_id);
  if (it == known_types_.end()) return std::nullopt;
  return it->second;
}

Result<RepoRefs> HubClient::refs(const RepoRef& repo) {
  return std::move(refs_many(std::span(&repo, 1)).front());
}

Result<RepoInfo> HubClient::repo_info(const RepoRevision& query) {
  return std::move(repo_info_many(std::span(&query, 1)).front());
}

Result<RepoTree> HubClient::tree(const TreeQuery& query) {
  return std::move(tree_many(std::span(&query, 1)).front());
}

Result<FileMetadata> HubClient::file_metadata(const FileQuery& query) {
  return std::move(file_metadata_many(std::span(&query, 1)).front());
}

Result<std::optional<KernelStatus>> HubClient::kernel_status(const RepoRevision& query) {
  return std::move(kernel_status_many(std::span(&query, 1)).front());
}

std::vector<Result<RepoRefs>> HubClient::refs_many(std::span<const RepoRef> repos) {
  const StageContext context{http_, known_types_, offline_, token_};
  auto answers = detail::run_first_stage<RepoRef>(
      context, repos, "the refs", [](const RepoRef& repo) { return repo; },
      [](const RepoRef& repo) { return detail::check_query(repo, {}, {}); },
      [&](const RepoRef&, const RepoRef& asked) { return refs_request(endpoint_, asked); });
  return detail::finish_stage<RepoRefs>(
      context, answers, [](const StageAnswer& answer, std::size_t) {
        if (!answer.response.is_success()) {
          return Result<RepoRefs>(tl::unexpected(detail::answer_error(answer, {"refs", {}, {}})));
        }
        return parse_refs(answer.response, answer.repo);
      });
}

std::vector<Result<RepoInfo>> HubClient::repo_info_many(std::span<const RepoRevision> queries) {
  const StageContext context{http_, known_types_, offline_, token_};
  auto answers = detail::run_first_stage<RepoRevision>(
      context, queries, "the repo info", [](const RepoRevision& query) { return query.repo; },
      [](const RepoRevision& query) { return detail::check_query(query.repo, query.revision, {}); },
      [&](const RepoRevision& query, const RepoRef& asked) {
        return repo_info_request(endpoint_, asked,
                                 query.revision.empty()
                                     ? std::nullopt
                                     : std::optional<std::string_view>(query.revision));
      });
  return detail::finish_stage<RepoInfo>(
      context, answers, [&](const StageAnswer& answer, std::size_t i) {
        if (!answer.response.is_success()) {
          return Result<RepoInfo>(
              tl::unexpected(detail::answer_error(answer, {"repo info", queries[i].revision, {}})));
        }
        return parse_repo_info(answer.response, answer.repo);
      });
}

std::vector<Result<std::optional<KernelStatus>>> HubClient::kernel_status_many(
    std::span<const RepoRevision> queries) {
  const StageContext context{http_, known_types_, offline_, token_};
  auto answers = detail::run_first_stage<RepoRevision>(
      context, queries, "kernel-status.toml", [](const RepoRevision& query) { return query.repo; },
      [&](const RepoRevision& query) {
        return detail::check_query(query.repo, revision_or_main(query.revision), {});
      },
      [&](const RepoRevision& query, const RepoRef& asked) {
        return kernel_status_request(endpoint_, asked, revision_or_main(query.revision));
      });
  using Status = std::optional<KernelStatus>;
  return detail::finish_stage<Status>(
      context, answers, [&](const StageAnswer& answer, std::size_t i) {
        auto status = parse_kernel_status_response(answer.response, answer.repo);
        if (!status && !answer.response.is_success()) {
          return Result<Status>(tl::unexpected(detail::answer_error(
              answer, {"kernel-status.toml", revision_or_main(queries[i].revision),
                       "kernel-status.toml"})));
        }
        return status;
      });
}

std::vector<Result<std::string>> HubClient::file_text_many(std::span<const FileQuery> queries,
                                                           std::size_t max_bytes) {
  const StageContext context{http_, known_types_, offline_, token_};
  auto answers = detail::run_first_stage<FileQuery>(
      context, queries, "a file", [](const FileQuery& query) { return query.repo; },
      [](const FileQuery& query) {
        return detail::check_query(query.repo, query.revision, query.path);
      },
      [&](const FileQuery& query, const RepoRef& asked) {
        return resolve_get_request(endpoint_, asked, query.revision, query.path,
                                   BufferedBody{max_bytes});
      });
  return detail::finish_stage<std::string>(
      context, answers, [&](StageAnswer& answer, std::size_t i) {
        if (!answer.response.is_success()) {
          return Result<std::string>(tl::unexpected(
              detail::answer_error(answer, {"file", queries[i].revision, queries[i].path})));
        }
        return Result<std::string>(std::move(answer.response.body));
      });
}

Result<OrgOverview> HubClient::org_overview(std::string_view org) {
  const std::string name(org);
  return std::move(org_overview_many(std::span(&name, 1)).front());
}

std::vector<Result<OrgOverview>> HubClient::org_overview_many(std::span<const std::string> orgs) {
  std::vector<Result<OrgOverview>> results(orgs.size(), tl::unexpected(Error{}));
  std::vector<HttpRequest> requests;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < orgs.size(); ++i) {
    if (offline_) {
      results[i] = tl::unexpected(offline_error("the overview", "organization " + orgs[i]));
    } else if (auto valid = detail::check_namespace(orgs[i]); !valid) {
      results[i] = tl::unexpected(valid.error());
    } else {
      requests.push_back(org_overview_request(endpoint_, orgs[i]));
      positions.push_back(i);
    }
  }
  auto responses = http_.perform(std::move(requests));
  for (std::size_t k = 0; k < positions.size(); ++k) {
    const std::size_t i = positions[k];
    results[i] = responses[k] ? parse_org_overview(*responses[k], orgs[i])
                              : Result<OrgOverview>(tl::unexpected(responses[k].error()));
    detail::scrub_token(results[i], token_);
  }
  return results;
}

}  // namespace kernels
