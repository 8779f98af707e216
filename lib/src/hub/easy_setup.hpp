#pragma once

#include <chrono>
#include <optional>

// Building one libcurl easy handle for one hop of one attempt: the options every request gets
// (TLS verification, timeouts, stall detection, no automatic redirects) and the request headers.

#include <cstdint>
#include <optional>
#include <string>

#include "kernels/error.hpp"
#include "kernels/hub/http.hpp"

#include "hub/curl_handles.hpp"

namespace kernels::detail {

// Rejects what the client must control itself or what would corrupt the request: an
// Authorization header (the token rule), Range (range_start), CR/LF/NUL in headers, a URL that
// is not http(s).
[[nodiscard]] Result<void> validate_request(const HttpRequest& request);

struct HopHeaders {
  const HttpRequest* request = nullptr;
  // Empty: no Authorization header on this hop.
  std::string bearer_token;
  std::optional<std::uint64_t> range_start;
  // A strong ETag sent as If-Range when resuming.
  std::optional<std::string> if_range;
};

[[nodiscard]] Result<CurlSlistPtr> build_header_list(const HopHeaders& hop);

using CurlDataCallback = std::size_t (*)(char*, std::size_t, std::size_t, void*);

struct EasyConfig {
  const HttpSettings* settings = nullptr;
  std::string url;
  HttpMethod method = HttpMethod::get;
  curl_slist* headers = nullptr;  // owned by the caller, alive while the handle is
  CURLSH* share = nullptr;
  char* error_buffer = nullptr;  // CURL_ERROR_SIZE bytes
  void* owner = nullptr;         // CURLOPT_PRIVATE and the callbacks' user data
  CurlDataCallback on_header = nullptr;
  CurlDataCallback on_body = nullptr;
  // When set, replaces settings->attempt_timeout for this hop (what is left of a deadline).
  std::optional<std::chrono::milliseconds> timeout;
};

[[nodiscard]] Result<CurlEasyPtr> make_easy(const EasyConfig& config);

}  // namespace kernels::detail
