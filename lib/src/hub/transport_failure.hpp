#pragma once

// Turning what libcurl reports about a failed attempt into our retry categories and into the
// one line a user reads.

#include <string>
#include <string_view>

#include <curl/curl.h>

#include "kernels/hub/http.hpp"
#include "kernels/hub/retry_policy.hpp"

namespace kernels::detail {

struct CurlFailureFacts {
  CURLcode code = CURLE_OK;
  long os_errno = 0;               // CURLINFO_OS_ERRNO
  bool connected = false;          // the TCP (and TLS) connection was established
  bool hit_attempt_limit = false;  // the attempt ran for HttpSettings::attempt_timeout
};

[[nodiscard]] TransportFailure classify_curl_failure(const CurlFailureFacts& facts);

// "connection refused by 127.0.0.1:1234 — is the server running?", with curl's own words
// appended in parentheses when it said something.
[[nodiscard]] std::string describe_transport_failure(TransportFailure failure,
                                                     std::string_view host_port,
                                                     std::string_view curl_detail,
                                                     const HttpSettings& settings);

}  // namespace kernels::detail
