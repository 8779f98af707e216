#include "kernels/hub/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "hub/curl_handles.hpp"

namespace kernels {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

// Query or fragment parameter names whose values are secrets, or may be: Hub tokens, presigned
// S3/CloudFront/Azure signatures, OAuth codes, API keys.
bool is_secret_parameter(std::string_view name) {
  const std::string lower = lowercase(name);
  constexpr std::array<std::string_view, 10> kSecretParts = {
      "token",      "signature", "secret", "password", "passwd",
      "credential", "auth",      "key",    "policy",   "session"};
  constexpr std::array<std::string_view, 4> kSecretNames = {"sig", "code", "pwd", "pass"};
  for (const std::string_view part : kSecretParts) {
    if (lower.find(part) != std::string::npos) return true;
  }
  return std::find(kSecretNames.begin(), kSecretNames.end(), lower) != kSecretNames.end();
}

// Redacts the values of secret `name=value` pairs in an &-separated list.
std::string redact_parameters(std::string_view parameters) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(parameters.find('&', start), parameters.size());
    const std::string_view pair = parameters.substr(start, end - start);
    const std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos && is_secret_parameter(pair.substr(0, equals))) {
      out.append(pair.substr(0, equals + 1)).append("REDACTED");
    } else {
      out.append(pair);
    }
    if (end == parameters.size()) break;
    out.push_back('&');
    start = end + 1;
  }
  return out;
}

Error bad_url(std::string_view url, std::string_view why) {
  return Error{ErrorCode::invalid_input,
               std::string(why) + "; expected an absolute http:// or https:// URL",
               redact_url(url)};
}

struct ParsedUrl {
  detail::CurlUrlPtr handle;
};

Result<ParsedUrl> parse_http_url(std::string_view url) {
  if (!detail::ensure_curl_initialized()) {
    return fail(ErrorCode::failure, "libcurl could not be initialised");
  }
  ParsedUrl parsed{detail::CurlUrlPtr(curl_url())};
  if (!parsed.handle) return fail(ErrorCode::failure, "out of memory parsing a URL");
  const std::string text(url);
  if (curl_url_set(parsed.handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return tl::unexpected(bad_url(url, "not a valid URL"));
  }
  return parsed;
}

Result<std::string> get_part(const ParsedUrl& parsed, CURLUPart part, unsigned int flags,
                             std::string_view url, std::string_view what) {
  char* raw = nullptr;
  if (curl_url_get(parsed.handle.get(), part, &raw, flags) != CURLUE_OK || raw == nullptr) {
    return tl::unexpected(bad_url(url, std::string("the URL has no ") + std::string(what)));
  }
  const detail::CurlStringPtr owned(raw);
  return std::string(owned.get());
}

Result<std::string> http_scheme(const ParsedUrl& parsed, std::string_view url) {
  auto scheme = get_part(parsed, CURLUPART_SCHEME, 0, url, "scheme");
  if (!scheme) return scheme;
  std::string lower = lowercase(*scheme);
  if (lower != "http" && lower != "https") {
    return tl::unexpected(bad_url(url, "scheme '" + lower + "' is not allowed"));
  }
  return lower;
}

Result<std::string> host_port(const ParsedUrl& parsed, std::string_view url) {
  auto host = get_part(parsed, CURLUPART_HOST, 0, url, "host");
  if (!host) return host;
  auto port = get_part(parsed, CURLUPART_PORT, CURLU_DEFAULT_PORT, url, "port");
  if (!port) return port;
  return lowercase(*host) + ":" + *port;
}

}  // namespace

std::string redact_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string out(url.substr(0, authority_start));
  out.append(authority);

  const std::string_view rest = url.substr(authority_end);
  const std::size_t hash = std::min(rest.find('#'), rest.size());
  const std::size_t question = std::min(rest.find('?'), hash);
  out.append(rest.substr(0, question));
  if (question < hash) {
    out.push_back('?');
    out.append(redact_parameters(rest.substr(question + 1, hash - question - 1)));
  }
  if (hash < rest.size()) {
    out.push_back('#');
    out.append(redact_parameters(rest.substr(hash + 1)));
  }
  return out;
}

Result<std::string> url_origin(std::string_view url) {
  auto parsed = parse_http_url(url);
  if (!parsed) return tl::unexpected(parsed.error());
  auto scheme = http_scheme(*parsed, url);
  if (!scheme) return scheme;
  auto authority = host_port(*parsed, url);
  if (!authority) return authority;
  return *scheme + "://" + *authority;
}

Result<std::string> url_host_port(std::string_view url) {
  auto parsed = parse_http_url(url);
  if (!parsed) return tl::unexpected(parsed.error());
  return host_port(*parsed, url);
}

Result<std::string> resolve_url(std::string_view base, std::string_view reference) {
  auto parsed = parse_http_url(base);
  if (!parsed) return tl::unexpected(parsed.error());
  if (auto scheme = http_scheme(*parsed, base); !scheme) return scheme;
  // With a URL already in the handle, libcurl resolves a relative one against it (RFC 3986).
  const std::string text(reference);
  if (curl_url_set(parsed->handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return tl::unexpected(bad_url(reference, "the redirect target is not a valid URL"));
  }
  auto resolved = get_part(*parsed, CURLUPART_URL, 0, reference, "URL");
  if (!resolved) return resolved;
  if (auto scheme = http_scheme(*parsed, *resolved); !scheme) return scheme;
  return resolved;
}

}  // namespace kernels
