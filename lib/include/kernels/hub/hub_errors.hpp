#pragma once

// What a Hub error status means (reference/hub-api.md 3.1), and when a kernel repo should be
// looked for as a model repo instead.

#include <string_view>

#include "kernels/error.hpp"
#include "kernels/hub/http.hpp"
#include "kernels/hub/hub_types.hpp"

namespace kernels {

// What a request asked the Hub for, so that its error can name it.
struct HubQuery {
  std::string_view what;      // "refs", "repo info", "file list", "file metadata", ...
  std::string_view revision;  // empty when the request names none
  std::string_view path;      // empty when the request names none
};

// The error for a response with an error status, keyed on X-Error-Code first, as huggingface_hub
// does. The location is the URL (redacted); messages name the repo and say what to do, and quote
// the server's X-Error-Message (or the body's `error`) sanitised and cut short. They never hold a
// token: none is known here.
//
//   X-Error-Code RepoNotFound (any status) -> not_found, "repository org/x not found on
//                                             https://hub (or it is private: set HF_TOKEN or pass
//                                             --token)"
//   RevisionNotFound                       -> not_found, naming the revision
//   EntryNotFound                          -> not_found, naming the path and revision
//   GatedRepo                              -> failure, "accept the conditions at <repo page>"
//   X-Error-Message "Access to this resource is disabled." -> failure, the repo is disabled
//   401 without a code                     -> failure, "authentication failed": no or a bad token
//   403 without a code                     -> failure, "access denied": the token lacks the right
//   401 or 403 from another host than the one asked (a redirect led there) -> failure, saying
//                                             that the token is not sent to that host
//   404 without a code                     -> not_found, saying the server may not be a Hub
//   408, 429, 5xx (the HTTP client already retried them) -> network, "try again later"
//   other 4xx                              -> failure with the server's message
//   anything else (3xx, 1xx)               -> network: the server did not answer as a Hub does
[[nodiscard]] Error hub_error(const HttpResponse& response, const RepoRef& repo,
                              const HubQuery& query);

// Whether a response to a kernel-type request says "no such kernel repo here", so that the same
// request should be tried once as a model-type request. The rule:
// * X-Error-Code RepoNotFound, whatever the status (the Hub answers 404, or 401 without a token):
//   the repo may be an older kernel published as a model (before the reference's 0.14), or the
//   endpoint may know repos only as models;
// * 404 without any X-Error-Code: an old Hub mirror or a static server that has no /api/kernels/
//   or /kernels/ routes at all.
// Not for RevisionNotFound, EntryNotFound or GatedRepo (the kernel repo exists), 401/403 without
// RepoNotFound (an auth problem the fallback would only hide), or any other status.
[[nodiscard]] bool needs_model_fallback(const HttpResponse& response);

// The error every Hub call gives at once in offline mode, without a request:
// network, "offline mode (HF_HUB_OFFLINE / --offline): cannot reach the Hub for <what> of <repo>".
[[nodiscard]] Error offline_error(std::string_view what, std::string_view subject);

}  // namespace kernels
