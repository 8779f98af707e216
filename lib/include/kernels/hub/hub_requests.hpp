#pragma once

// Requests of the Hub API (reference/hub-api.md sections 1.3 and 2), as pure functions that build
// an HttpRequest. They never fail and make no request: a caller runs many of them in one
// HttpClient::perform batch (the lock resolves every dependency's refs at once, then every info,
// then every tree). The caller checks repo ids, revisions and paths first (validate_repo_id,
// validate_revision, validate_repo_path); the builders still percent-encode every part, so that
// even an unchecked value cannot change the shape of the URL.
//
// URL encoding follows huggingface_hub exactly (Python's urllib.parse.quote, whose always-safe
// set is A-Z a-z 0-9 _ . - ~):
// * a revision is one path segment: `refs/heads/v1` -> `refs%2Fheads%2Fv1`;
// * a file path in /resolve/ keeps its slashes, each segment encoded:
//   `sub/to?/a%b` -> `sub/to%3F/a%25b`;
// * the path_in_repo of /tree/ is one segment as well: `build/torch` -> `build%2Ftorch`;
// * the repo id is inserted with its '/' as a path separator.

#include <optional>
#include <string>
#include <string_view>

#include "kernels/hub/http.hpp"
#include "kernels/hub/hub_types.hpp"

namespace kernels {

// Python's quote(text, safe=""): every byte outside A-Z a-z 0-9 _ . - ~ as %XX (uppercase hex).
[[nodiscard]] std::string quote_segment(std::string_view text);

// Python's quote(text) with its default safe="/": as quote_segment, '/' kept.
[[nodiscard]] std::string quote_path(std::string_view text);

// "{endpoint}/api/kernels/org/name" or "{endpoint}/api/models/org/name".
[[nodiscard]] std::string repo_api_url(const HubEndpoint& endpoint, const RepoRef& repo);

// "{endpoint}/kernels/org/name/resolve/{rev}/{path}" or "{endpoint}/org/name/resolve/{rev}/{path}".
[[nodiscard]] std::string repo_file_url(const HubEndpoint& endpoint, const RepoRef& repo,
                                        std::string_view revision, std::string_view path);

// GET /api/{type}s/{id}/refs.
[[nodiscard]] HttpRequest refs_request(const HubEndpoint& endpoint, const RepoRef& repo);

// GET /api/{type}s/{id} (the default branch) or /api/{type}s/{id}/revision/{rev}. No query
// parameters: the reference's kernel_info sends none, and the tool needs only `sha`.
[[nodiscard]] HttpRequest repo_info_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                            std::optional<std::string_view> revision);

// GET /api/{type}s/{id}/tree/{rev}[/{path}]?recursive=true|false&expand=true|false. An empty
// path_in_repo lists the root.
[[nodiscard]] HttpRequest tree_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                       std::string_view revision, std::string_view path_in_repo,
                                       bool recursive, bool expand = false);

// GET of a TreePage::next_url, exactly as the server gave it (it carries the query and cursor).
[[nodiscard]] HttpRequest tree_next_page_request(std::string next_url);

// HEAD /{prefix}{id}/resolve/{rev}/{path} with follow_redirects = false: the Hub's 302 for a file
// in LFS storage carries X-Linked-Etag, X-Linked-Size and X-Repo-Commit itself, and its Location
// (a presigned CDN URL) may refuse a HEAD. Sends Accept-Encoding: identity so that Content-Length
// is the file's size.
[[nodiscard]] HttpRequest resolve_head_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                               std::string_view revision, std::string_view path);

// The HEAD that follows a relative redirect of a resolve HEAD (the real Hub answers 307 to
// /api/resolve-cache/... for regular files; hub-api.md 2.7 (a')), or nothing when `response` is
// not a 3xx with a relative Location. An absolute Location is where the bytes are: it is not
// followed, parse_file_metadata reads the redirect itself. The Location is used whole, query
// included (huggingface_hub keeps the first URL's query instead; the Hub's resolve cache answers
// either way, and a server that puts what it needs in the query gets it back).
[[nodiscard]] std::optional<HttpRequest> follow_relative_resolve_redirect(
    const HttpResponse& response);

// GET /{prefix}{id}/resolve/{rev}/{path}, following redirects (to the CDN for LFS files).
[[nodiscard]] HttpRequest resolve_get_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                              std::string_view revision, std::string_view path,
                                              HttpBodySink body = BufferedBody{});

// GET of kernel-status.toml at the repo root (kernels-spec.md 7.6), capped at
// kMaxKernelStatusBytes. One GET instead of the reference's HEAD + GET: a missing file costs the
// same single 404, a present one a request less.
[[nodiscard]] HttpRequest kernel_status_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                                std::string_view revision);

// GET /api/organizations/{org}/overview.
[[nodiscard]] HttpRequest org_overview_request(const HubEndpoint& endpoint, std::string_view org);

}  // namespace kernels
