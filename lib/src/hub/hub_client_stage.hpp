#pragma once

// Private to HubClient: what every batch call does around perform_with_fallback (the offline
// rule, the checks before any request, error wording, scrubbing the token from errors).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/http.hpp"
#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_types.hpp"

#include "hub/fallback_batch.hpp"

namespace kernels::detail {

struct StageContext {
  HttpClient& http;
  KnownRepoTypes& known;
  bool offline = false;
  const std::string& token;
};

// The revision a call uses when the caller gave none.
[[nodiscard]] inline std::string_view revision_or_main(std::string_view revision) {
  return revision.empty() ? std::string_view("main") : revision;
}

// The repo id, and the revision and path when not empty, checked before any request
// (invalid_input, located at the repo id).
[[nodiscard]] Result<void> check_query(const RepoRef& repo, std::string_view revision,
                                       std::string_view path);

// An organization name: what may stand before the '/' of a repo id.
[[nodiscard]] Result<void> check_namespace(std::string_view org);

// hub_error() of the answer, saying so when the repo was looked for under both types.
[[nodiscard]] Error answer_error(const StageAnswer& answer, const HubQuery& query);

// Replaces the token wherever it appears in the error (a server may echo request headers back).
void scrub_token(Error& error, std::string_view token);

template <class T>
void scrub_token(Result<T>& result, std::string_view token) {
  if (!result) scrub_token(result.error(), token);
}

// One answer per query, in order: offline and invalid queries fail without a request, the rest go
// out in one batch (two with model fallbacks). `build(query, asked)` makes the request for the
// query asked as `asked` (the repo, maybe with the model type).
template <class Query, class RepoOf, class Check, class Build>
std::vector<Result<StageAnswer>> run_first_stage(const StageContext& context,
                                                 std::span<const Query> queries,
                                                 std::string_view what, RepoOf repo_of, Check check,
                                                 Build build) {
  std::vector<Result<StageAnswer>> out;
  out.reserve(queries.size());
  std::vector<RepoRef> repos;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    RepoRef repo = repo_of(queries[i]);
    if (context.offline) {
      out.emplace_back(tl::unexpected(offline_error(what, repo.repo_id)));
      continue;
    }
    if (auto valid = check(queries[i]); !valid) {
      out.emplace_back(tl::unexpected(valid.error()));
      continue;
    }
    out.emplace_back(StageAnswer{});
    positions.push_back(i);
    repos.push_back(std::move(repo));
  }
  if (repos.empty()) return out;
  auto answers = perform_with_fallback(
      context.http, context.known, repos,
      [&](const RepoRef& asked, std::size_t k) { return build(queries[positions[k]], asked); });
  for (std::size_t k = 0; k < positions.size(); ++k)
    out[positions[k]] = std::move(answers[k]);
  return out;
}

// Turns every answer into a result with parse(answer, index); errors pass through. Token scrubbed.
template <class T, class Parse>
std::vector<Result<T>> finish_stage(const StageContext& context,
                                    std::vector<Result<StageAnswer>>& answers, Parse parse) {
  std::vector<Result<T>> results;
  results.reserve(answers.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i]) {
      results.emplace_back(tl::unexpected(std::move(answers[i].error())));
    } else {
      results.push_back(parse(*answers[i], i));
    }
    scrub_token(results.back(), context.token);
  }
  return results;
}

}  // namespace kernels::detail
