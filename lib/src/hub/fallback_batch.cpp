#include "hub/fallback_batch.hpp"

#include <utility>

#include "kernels/hub/hub_errors.hpp"

namespace kernels::detail {
namespace {

bool has_error_code(const HttpResponse& response) {
  const auto code = response.headers.find("X-Error-Code");
  return code && !code->empty();
}

}  // namespace

std::vector<Result<StageAnswer>> perform_with_fallback(
    HttpClient& http, KnownRepoTypes& known, std::span<const RepoRef> repos,
    const std::function<HttpRequest(const RepoRef&, std::size_t)>& build) {
  std::vector<RepoRef> asked(repos.begin(), repos.end());
  std::vector<HttpRequest> requests;
  requests.reserve(repos.size());
  for (std::size_t k = 0; k < repos.size(); ++k) {
    if (asked[k].type == RepoType::kernel) {
      const auto it = known.find(asked[k].repo_id);
      if (it != known.end()) asked[k].type = it->second;
    }
    requests.push_back(build(asked[k], k));
  }
  auto responses = http.perform(std::move(requests));

  std::vector<Result<StageAnswer>> answers;
  answers.reserve(repos.size());
  std::vector<std::size_t> retry;  // indices asked again as models
  std::vector<HttpRequest> fallbacks;
  for (std::size_t k = 0; k < repos.size(); ++k) {
    if (!responses[k]) {
      answers.emplace_back(tl::unexpected(std::move(responses[k].error())));
      continue;
    }
    const bool type_open = asked[k].type == RepoType::kernel && !known.contains(asked[k].repo_id);
    if (type_open && needs_model_fallback(*responses[k])) {
      retry.push_back(k);
      fallbacks.push_back(build(RepoRef{asked[k].repo_id, RepoType::model}, k));
    } else if (!needs_model_fallback(*responses[k])) {
      known.insert_or_assign(asked[k].repo_id, asked[k].type);
    }
    answers.emplace_back(StageAnswer{asked[k], std::move(*responses[k]), false});
  }
  if (retry.empty()) return answers;

  auto second = http.perform(std::move(fallbacks));
  for (std::size_t j = 0; j < retry.size(); ++j) {
    const std::size_t k = retry[j];
    if (!second[j]) {
      answers[k] = tl::unexpected(std::move(second[j].error()));
      continue;
    }
    StageAnswer& answer = *answers[k];
    const RepoRef model{answer.repo.repo_id, RepoType::model};
    if (!needs_model_fallback(*second[j])) {
      known.insert_or_assign(model.repo_id, RepoType::model);
      answer = StageAnswer{model, std::move(*second[j]), false};
      continue;
    }
    answer.tried_both = true;
    if (!has_error_code(answer.response) && has_error_code(*second[j])) {
      answer.repo = model;
      answer.response = std::move(*second[j]);
    }
  }
  return answers;
}

}  // namespace kernels::detail
