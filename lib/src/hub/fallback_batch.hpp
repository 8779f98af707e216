#pragma once

// Private to HubClient: one request per repo in one HttpClient batch, with the model-type
// fallback (hub_errors.hpp, needs_model_fallback) asked in a second batch for the repos that
// need it, and the repo type that answered remembered.

#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/http.hpp"
#include "kernels/hub/hub_types.hpp"

namespace kernels::detail {

// Repo id -> the type that answered for it.
using KnownRepoTypes = std::map<std::string, RepoType, std::less<>>;

struct StageAnswer {
  RepoRef repo;  // with the type whose answer `response` is
  HttpResponse response;
  // Both types said "no such repo here" (needs_model_fallback): `response` is the more telling of
  // the two (the one with an X-Error-Code, else the kernel type's).
  bool tried_both = false;
};

// build(repo, k) makes the request for repos[k] asked as `repo` (same id, maybe another type).
// A RepoRef of type kernel is asked as a model when `known` says so; otherwise, when its type is
// not known yet and its answer needs_model_fallback, it is asked again as a model. Every answer
// that is not a "no such repo" settles the type in `known`. Transport failures are errors.
[[nodiscard]] std::vector<Result<StageAnswer>> perform_with_fallback(
    HttpClient& http, KnownRepoTypes& known, std::span<const RepoRef> repos,
    const std::function<HttpRequest(const RepoRef&, std::size_t)>& build);

}  // namespace kernels::detail
