#include "hub/easy_setup.hpp"

#include <algorithm>
#include <limits>

#include "kernels/hub/url.hpp"

#include "hub/response_parsing.hpp"

namespace kernels::detail {
namespace {

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

long to_long(std::int64_t value) {
  return static_cast<long>(std::clamp<std::int64_t>(value, 0, std::numeric_limits<long>::max()));
}

Result<CurlSlistPtr> append(CurlSlistPtr list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) return fail(ErrorCode::failure, "out of memory building request headers");
  (void)list.release();  // now owned through `grown`
  return CurlSlistPtr(grown);
}

}  // namespace

Result<void> validate_request(const HttpRequest& request) {
  if (auto origin = url_origin(request.url); !origin) return tl::unexpected(origin.error());
  if (has_control_characters(request.url)) {
    return fail(ErrorCode::invalid_input, "the URL contains a line break or NUL",
                redact_url(request.url));
  }
  for (const HttpHeaderField& field : request.headers) {
    if (field.name.empty() || field.name.find(':') != std::string::npos ||
        has_control_characters(field.name) || has_control_characters(field.value)) {
      return fail(
          ErrorCode::invalid_input,
          "request header '" + field.name + "' is malformed (empty name, ':' or a line break)",
          redact_url(request.url));
    }
    if (equal_ignoring_ascii_case(field.name, "Authorization")) {
      return fail(ErrorCode::invalid_input,
                  "an Authorization header was set on a request; set HttpSettings::bearer_token "
                  "instead so that it only goes to the endpoint's origin",
                  redact_url(request.url));
    }
    if (equal_ignoring_ascii_case(field.name, "Range")) {
      return fail(ErrorCode::invalid_input,
                  "a Range header was set on a request; use HttpRequest::range_start",
                  redact_url(request.url));
    }
  }
  if (const auto* streaming = std::get_if<StreamingBody>(&request.body);
      streaming != nullptr && !streaming->on_data) {
    return fail(ErrorCode::invalid_input, "a streaming request has no on_data callback",
                redact_url(request.url));
  }
  return {};
}

Result<CurlSlistPtr> build_header_list(const HopHeaders& hop) {
  CurlSlistPtr list;
  for (const HttpHeaderField& field : hop.request->headers) {
    // "Name:" alone tells curl to drop its own header; "Name;" sends it with an empty value.
    auto next = append(std::move(list),
                       field.value.empty() ? field.name + ";" : field.name + ": " + field.value);
    if (!next) return next;
    list = std::move(*next);
  }
  if (!hop.bearer_token.empty()) {
    auto next = append(std::move(list), "Authorization: Bearer " + hop.bearer_token);
    if (!next) return next;
    list = std::move(*next);
  }
  if (hop.range_start) {
    auto next = append(std::move(list), "Range: bytes=" + std::to_string(*hop.range_start) + "-");
    if (!next) return next;
    list = std::move(*next);
    if (hop.if_range) {
      next = append(std::move(list), "If-Range: " + *hop.if_range);
      if (!next) return next;
      list = std::move(*next);
    }
  }
  return list;
}

namespace {
// Per transfer; 8 in flight stay far below the 64 MiB a download may use.
constexpr long kGetBufferBytes = 512L * 1024L;
}  // namespace

Result<CurlEasyPtr> make_easy(const EasyConfig& config) {
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) return fail(ErrorCode::failure, "libcurl could not create a transfer handle");
  const HttpSettings& settings = *config.settings;
  CURL* handle = easy.get();
  CURLcode status = CURLE_OK;
  const auto set = [&](CURLoption option, auto value) {
    if (status == CURLE_OK) status = curl_easy_setopt(handle, option, value);
  };
  set(CURLOPT_URL, config.url.c_str());
  set(CURLOPT_PRIVATE, config.owner);
  set(CURLOPT_ERRORBUFFER, config.error_buffer);
  set(CURLOPT_NOSIGNAL, 1L);
  if (config.method == HttpMethod::head) {
    set(CURLOPT_NOBODY, 1L);
  } else {
    set(CURLOPT_HTTPGET, 1L);
    // libcurl's 16 KiB default costs a recv, a callback (hash + write) and a poll per 16 KiB:
    // on a fast link that loop, not the network, bounds a download (tests/bench/README.md).
    set(CURLOPT_BUFFERSIZE, kGetBufferBytes);
  }
  // Redirects are ours (redirect and token rule in transfer.cpp), and only http(s) is spoken.
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // HTTP/2 when TLS ALPN offers it, HTTP/1.1 otherwise. Over TLS, wait for a connection that
  // may multiplex rather than open another one; plain http:// is never HTTP/2 here (no h2c), and
  // waiting would only serialise the first requests of a batch.
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  if (equal_ignoring_ascii_case(std::string_view(config.url).substr(0, 8), "https://")) {
    set(CURLOPT_PIPEWAIT, 1L);
  }
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, to_long(settings.connect_timeout.count()));
  const auto timeout = config.timeout.value_or(settings.attempt_timeout);
  if (timeout.count() > 0) {
    set(CURLOPT_TIMEOUT_MS, to_long(timeout.count()));
  }
  set(CURLOPT_LOW_SPEED_LIMIT, to_long(settings.stall_bytes_per_second));
  set(CURLOPT_LOW_SPEED_TIME, to_long(settings.stall_time.count()));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings.ca_bundle.empty()) set(CURLOPT_CAINFO, settings.ca_bundle.c_str());
  set(CURLOPT_USERAGENT, settings.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, config.headers);
  // A proxy's "HTTP/1.1 200 Connection established" must not look like the response.
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  if (config.share != nullptr) set(CURLOPT_SHARE, config.share);
  set(CURLOPT_HEADERFUNCTION, config.on_header);
  set(CURLOPT_HEADERDATA, config.owner);
  set(CURLOPT_WRITEFUNCTION, config.on_body);
  set(CURLOPT_WRITEDATA, config.owner);
  if (status != CURLE_OK) {
    return fail(ErrorCode::failure,
                std::string("libcurl refused an option: ") + curl_easy_strerror(status),
                redact_url(config.url));
  }
  return easy;
}

}  // namespace kernels::detail
