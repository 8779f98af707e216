#pragma once

// URL helpers the HTTP layer and the Hub layer share: the origin a token belongs to, resolving a
// redirect's Location, and the form of a URL that may be printed or logged.

#include <string>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels {

// The URL without secrets, for messages and logs (DESIGN.md: the token never goes into a log
// line): user:password@ is removed from the authority, and the value of every query parameter
// whose name looks like a credential (token, signature, key, secret, password, credential, auth,
// policy, sig, code, ... case-insensitive) becomes "REDACTED". Never fails: text that is not a
// URL comes back with the same rules applied as far as they fit.
[[nodiscard]] std::string redact_url(std::string_view url);

// "scheme://host:port" in lowercase with the scheme's default port made explicit
// ("https://Hub.example/x" -> "https://hub.example:443"), the unit the bearer token is bound to.
// Fails (invalid_input) for text that is not an absolute http or https URL.
[[nodiscard]] Result<std::string> url_origin(std::string_view url);

// "host:port" of an absolute URL, for messages ("connection refused by 127.0.0.1:8080").
[[nodiscard]] Result<std::string> url_host_port(std::string_view url);

// Resolves a Location header (absolute, scheme-relative, absolute-path or relative) against the
// URL that answered with it (RFC 3986 section 5). Fails (invalid_input) when the result is not an
// http or https URL, so that a redirect cannot lead to file:// or any other scheme.
[[nodiscard]] Result<std::string> resolve_url(std::string_view base, std::string_view reference);

}  // namespace kernels
