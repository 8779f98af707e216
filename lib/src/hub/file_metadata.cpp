// What the Hub's answer to HEAD /resolve/ says about a file (hub-api.md 2.7 step 3).

#include <string>

#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_responses.hpp"
#include "kernels/hub/url.hpp"

#include "hub/json_body.hpp"
#include "hub/response_parsing.hpp"
#include "util/ascii.hpp"

namespace kernels {
namespace {

constexpr std::size_t kMaxEtagBytes = 255;

// `W/"abc"` -> `abc`: huggingface_hub's normalisation, which names the cached blob.
std::string normalize_etag(std::string_view etag) {
  etag = ascii::trim(etag);
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  while (etag.starts_with('"'))
    etag.remove_prefix(1);
  while (etag.ends_with('"'))
    etag.remove_suffix(1);
  return std::string(etag);
}

// The cache stores the file as blobs/<etag>: it must be one plain file name.
bool is_safe_file_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxEtagBytes || name == "." || name == "..") return false;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

}  // namespace

Result<FileMetadata> parse_file_metadata(const HttpResponse& response, const RepoRef& repo,
                                         std::string_view path) {
  const bool redirect = response.status >= 300 && response.status < 400;
  if (!response.is_success() && !redirect) {
    return tl::unexpected(hub_error(response, repo, {"file", "", path}));
  }
  const std::string subject = "'" + detail::shown_text(path) + "' in " + repo.repo_id;
  const HttpHeaders& headers = response.headers;

  FileMetadata metadata;
  metadata.repo = repo;
  metadata.redirected = redirect;

  const auto commit_header = headers.find("X-Repo-Commit");
  if (!commit_header) {
    return tl::unexpected(detail::bad_answer(
        response, subject,
        "no X-Repo-Commit header (a proxy may have dropped it, or the server is not a Hub)"));
  }
  auto commit = detail::normalized_hex(ascii::trim(*commit_header), 40);
  if (!commit) {
    return tl::unexpected(detail::refused_value(
        response, "refusing the metadata of " + subject + ": X-Repo-Commit '" +
                      detail::shown_text(*commit_header) + "' is not a 40-digit commit id"));
  }
  metadata.commit = std::move(*commit);

  auto etag_header = headers.find("X-Linked-Etag");
  if (!etag_header) etag_header = headers.find("ETag");
  if (!etag_header) {
    return tl::unexpected(detail::bad_answer(response, subject, "no ETag or X-Linked-Etag header"));
  }
  metadata.etag = normalize_etag(*etag_header);
  if (!is_safe_file_name(metadata.etag)) {
    return tl::unexpected(detail::refused_value(
        response, "refusing the metadata of " + subject + ": its etag '" +
                      detail::shown_text(*etag_header) +
                      "' cannot name a cached file (empty, too long, '/', '\\' or control "
                      "characters)"));
  }

  std::optional<std::uint64_t> size;
  if (const auto linked = headers.find("X-Linked-Size")) {
    size = detail::parse_decimal(ascii::trim(*linked));
    if (!size) {
      return tl::unexpected(detail::bad_answer(
          response, subject, "X-Linked-Size '" + detail::shown_text(*linked) + "' is no size"));
    }
  } else if (!redirect) {
    if (const auto length = headers.find("Content-Length")) {
      size = detail::parse_decimal(ascii::trim(*length));
    }
  }
  if (!size) {
    return tl::unexpected(detail::bad_answer(
        response, subject,
        redirect ? "the redirect has no X-Linked-Size header"
                 : "no Content-Length header (a compressed answer has none: the server must "
                   "honour Accept-Encoding: identity)"));
  }
  metadata.size = *size;

  if (!redirect) {
    metadata.location = response.url;
    return metadata;
  }
  const auto location = headers.find("Location");
  if (!location || ascii::trim(*location).empty()) {
    return tl::unexpected(detail::bad_answer(
        response, subject,
        "HTTP " + std::to_string(response.status) + " without a Location header"));
  }
  auto target = kernels::resolve_url(response.url, ascii::trim(*location));
  if (!target) {
    return tl::unexpected(detail::bad_answer(
        response, subject, "the redirect's Location is not a usable http(s) URL"));
  }
  metadata.location = std::move(*target);
  return metadata;
}

}  // namespace kernels
