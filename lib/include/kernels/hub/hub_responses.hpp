#pragma once

// Reading the Hub's answers (reference/hub-api.md section 2), as pure functions of one
// HttpResponse, so that a batch of responses is read in a loop. A response with an error status
// becomes hub_error()'s mapping (hub_errors.hpp); the parsers never throw.
//
// What goes wrong, and the ErrorCode it gets:
// * The answer is not the Hub API's: not JSON, nested absurdly deep, a required field missing or of
//   the wrong type, a header the protocol requires missing (X-Repo-Commit on a resolve) ->
//   ErrorCode::network, the "Hub or network failed" kind (exit code 5). The server is at fault,
//   not the user's input, and another endpoint or a later try may work. The message names the repo
//   and the location is the URL, e.g. "http://…/api/kernels/org/x/refs: malformed JSON from the
//   Hub for org/x (syntax error at 1:17: ...)".
// * A value that is well-formed but unsafe to use: a tree path that could escape the cache folder
//   ("../x", "/abs", "a\\b", NUL), a commit id that is not 40 hex digits, an etag that is no file
//   name, a ref name with control characters -> ErrorCode::invalid_input,
//   "refusing tree entry '../x' from org/repo: ...". Untrusted input is refused, never repaired.

#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/hub/http.hpp"
#include "kernels/hub/hub_types.hpp"

namespace kernels {

// The target of the first link in the Link header fields whose rel (one of its space-separated
// values, case-insensitive) is `rel`, as written (maybe relative). RFC 8288 syntax:
// `<url>; rel="next", <url2>; rel=xet-auth`; a ',' inside <...> or a quoted string does not split.
[[nodiscard]] std::optional<std::string> find_link(const HttpHeaders& headers,
                                                   std::string_view rel);

// `{"branches": [...], "tags": [...], "converts": [...]}` of {name, ref, targetCommit}.
// branches and tags are required (the reference indexes them), converts may be missing. Every
// targetCommit must be a 40-hex commit id and every name a valid revision (validate_revision).
[[nodiscard]] Result<RepoRefs> parse_refs(const HttpResponse& response, const RepoRef& repo);

// `{"id": "...", "sha": "<40 hex>", "lastModified": "...Z", "private": false, ...}`. id and sha are
// required (the lock pins sha); lastModified, when present, must be YYYY-MM-DDTHH:MM:SS[.f+]Z.
[[nodiscard]] Result<RepoInfo> parse_repo_info(const HttpResponse& response, const RepoRef& repo);

// A JSON array of {type, path, oid, size, lfs?} and the next page from the Link header (resolved
// against the URL that answered). `type` "file" is a file and anything else a directory, as the
// reference reads it. Every path is checked (validate_repo_path, model/repo_path.hpp: no "..",
// no absolute path, no backslash, no NUL or control character, no empty component), and a path
// that fails is refused as "refusing tree entry '../x' from org/x: it has a '..' component".
// Files need a 40-hex oid and a
// size, lfs needs a 64-hex oid and a size. Hex is returned in lowercase.
[[nodiscard]] Result<TreePage> parse_tree_page(const HttpResponse& response, const RepoRef& repo);

// The answer to resolve_head_request (after following relative redirects): 2xx, or a 3xx whose
// Location is where the bytes are. commit = X-Repo-Commit (required, 40 hex); etag =
// X-Linked-Etag, else ETag, with a leading W/ and the quotes removed (required, a safe file name);
// size = X-Linked-Size, else, when the answer is not a redirect, Content-Length (required);
// location = Location resolved against the resolve URL, else the resolve URL. `path` names the
// file in messages.
[[nodiscard]] Result<FileMetadata> parse_file_metadata(const HttpResponse& response,
                                                       const RepoRef& repo, std::string_view path);

// The text of kernel-status.toml: `kind` (required, only "redirect"), `destination` (required, a
// valid repo id), `revision` (optional, default "main", a valid revision). Errors are
// invalid_input with the reference's words ("kernel-status.toml must contain a 'kind' field",
// "Unknown kernel status kind: 'x'", "kernel-status.toml must contain a 'destination' field");
// `where` (a URL or a repo id) is the error's location.
[[nodiscard]] Result<KernelStatus> parse_kernel_status_toml(std::string_view text,
                                                            std::string_view where);

// The answer to kernel_status_request. No status (nullopt) when the repo has no such file: 404
// with X-Error-Code EntryNotFound, 404 without any X-Error-Code (a static mirror), and
// RepoNotFound, which the reference also reads as "no status" (the calls that follow report the
// missing repo). Any other error status is hub_error's; a 2xx body is parse_kernel_status_toml's.
[[nodiscard]] Result<std::optional<KernelStatus>> parse_kernel_status_response(
    const HttpResponse& response, const RepoRef& repo);

// `{"name": "...", "trustedKernelPublisher": true, ...}`; every field optional. A 404 is
// not_found ("organization 'x' not found on ..."), other error statuses as hub_error maps them.
[[nodiscard]] Result<OrgOverview> parse_org_overview(const HttpResponse& response,
                                                     std::string_view org);

}  // namespace kernels
