#include "kernels/hub/hub_requests.hpp"

#include <utility>

#include "kernels/hub/url.hpp"

#include "util/ascii.hpp"

namespace kernels {
namespace {

bool is_always_safe(char c) {
  return ascii::is_alnum(c) || c == '_' || c == '.' || c == '-' || c == '~';
}

std::string quote(std::string_view text, bool keep_slash) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_always_safe(c) || (keep_slash && c == '/')) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4U]);
    out.push_back(kHex[byte & 0x0fU]);
  }
  return out;
}

// The repo id as path segments: its '/' separates them, everything else is encoded (a checked id
// has nothing to encode).
std::string repo_path(std::string_view repo_id) {
  return quote_path(repo_id);
}

HttpRequest buffered_get(std::string url, std::size_t max_bytes) {
  HttpRequest request;
  request.url = std::move(url);
  request.body = BufferedBody{max_bytes};
  return request;
}

}  // namespace

std::string quote_segment(std::string_view text) {
  return quote(text, false);
}

std::string quote_path(std::string_view text) {
  return quote(text, true);
}

std::string repo_api_url(const HubEndpoint& endpoint, const RepoRef& repo) {
  const std::string_view kind = repo.type == RepoType::kernel ? "/api/kernels/" : "/api/models/";
  return endpoint.url + std::string(kind) + repo_path(repo.repo_id);
}

std::string repo_file_url(const HubEndpoint& endpoint, const RepoRef& repo,
                          std::string_view revision, std::string_view path) {
  const std::string_view prefix = repo.type == RepoType::kernel ? "/kernels/" : "/";
  return endpoint.url + std::string(prefix) + repo_path(repo.repo_id) + "/resolve/" +
         quote_segment(revision) + "/" + quote_path(path);
}

HttpRequest refs_request(const HubEndpoint& endpoint, const RepoRef& repo) {
  return buffered_get(repo_api_url(endpoint, repo) + "/refs", kMaxRefsBytes);
}

HttpRequest repo_info_request(const HubEndpoint& endpoint, const RepoRef& repo,
                              std::optional<std::string_view> revision) {
  std::string url = repo_api_url(endpoint, repo);
  if (revision) url += "/revision/" + quote_segment(*revision);
  return buffered_get(std::move(url), kMaxRepoInfoBytes);
}

HttpRequest tree_request(const HubEndpoint& endpoint, const RepoRef& repo,
                         std::string_view revision, std::string_view path_in_repo, bool recursive,
                         bool expand) {
  std::string url = repo_api_url(endpoint, repo) + "/tree/" + quote_segment(revision);
  if (!path_in_repo.empty()) url += "/" + quote_segment(path_in_repo);
  url += recursive ? "?recursive=true" : "?recursive=false";
  url += expand ? "&expand=true" : "&expand=false";
  return buffered_get(std::move(url), kMaxTreePageBytes);
}

HttpRequest tree_next_page_request(std::string next_url) {
  return buffered_get(std::move(next_url), kMaxTreePageBytes);
}

HttpRequest resolve_head_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                 std::string_view revision, std::string_view path) {
  HttpRequest request;
  request.method = HttpMethod::head;
  request.url = repo_file_url(endpoint, repo, revision, path);
  request.headers.push_back({"Accept-Encoding", "identity"});
  request.follow_redirects = false;
  return request;
}

std::optional<HttpRequest> follow_relative_resolve_redirect(const HttpResponse& response) {
  if (response.status < 300 || response.status >= 400) return std::nullopt;
  const auto location = response.headers.find("Location");
  if (!location || location->empty()) return std::nullopt;
  // Absolute ("http://...") and scheme-relative ("//host/...") Locations name another host:
  // that is where the bytes are, and the HEAD stops there.
  const std::string_view target = ascii::trim(*location);
  if (target.starts_with("//") || target.find("://") != std::string_view::npos) return std::nullopt;
  auto next = kernels::resolve_url(response.url, target);
  if (!next) return std::nullopt;
  HttpRequest request;
  request.method = HttpMethod::head;
  request.url = std::move(*next);
  request.headers.push_back({"Accept-Encoding", "identity"});
  request.follow_redirects = false;
  return request;
}

HttpRequest resolve_get_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                std::string_view revision, std::string_view path,
                                HttpBodySink body) {
  HttpRequest request;
  request.url = repo_file_url(endpoint, repo, revision, path);
  request.body = std::move(body);
  return request;
}

HttpRequest kernel_status_request(const HubEndpoint& endpoint, const RepoRef& repo,
                                  std::string_view revision) {
  return resolve_get_request(endpoint, repo, revision, "kernel-status.toml",
                             BufferedBody{kMaxKernelStatusBytes});
}

HttpRequest org_overview_request(const HubEndpoint& endpoint, std::string_view org) {
  return buffered_get(endpoint.url + "/api/organizations/" + quote_segment(org) + "/overview",
                      kMaxOrgOverviewBytes);
}

}  // namespace kernels
