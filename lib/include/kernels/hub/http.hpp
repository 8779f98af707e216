#pragma once

// The HTTP client under the Hub layer: batches of GET/HEAD requests run in parallel on one libcurl
// multi handle (HTTP/1.1 keep-alive, HTTP/2 multiplexing over TLS), with our own redirect and
// token rule, retries of transient failures, and bodies either buffered (with a size cap) or
// streamed to a callback. No curl type appears here.
//
// HTTP statuses are not errors at this layer: a 404 is a response the Hub layer maps (with its
// X-Error-Code). A request's Result is an error only for transport failures that were not or
// could no longer be retried, too many redirects, a body over its cap, response headers over
// 256 KiB (not retried), a failed sink, a malformed request, or cancellation. Error locations are
// URLs without credentials (redact_url).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/hub/retry_policy.hpp"

namespace kernels {

enum class HttpMethod { get, head };

struct HttpHeaderField {
  std::string name;
  std::string value;
};

// Response header fields in arrival order, every one kept (a name may repeat); lookups ignore
// ASCII case as HTTP requires.
class HttpHeaders {
 public:
  void add(std::string name, std::string value);
  // The first field named `name`.
  [[nodiscard]] std::optional<std::string_view> find(std::string_view name) const;
  [[nodiscard]] std::vector<std::string_view> find_all(std::string_view name) const;
  [[nodiscard]] bool contains(std::string_view name) const { return find(name).has_value(); }
  [[nodiscard]] const std::vector<HttpHeaderField>& fields() const { return fields_; }
  [[nodiscard]] bool empty() const { return fields_.empty(); }

 private:
  std::vector<HttpHeaderField> fields_;
};

// Keep the body in HttpResponse::body. A body longer than max_bytes fails the request: a hostile
// or broken server must not be able to fill memory.
struct BufferedBody {
  std::size_t max_bytes = std::size_t{16} << 20U;
};

// Hand the body to a callback as it arrives.
//
// Contract (what the download layer builds on: hash while streaming, resume with Range):
// * on_data receives the body of the final 2xx response only (never a redirect's or an error
//   status's body), in order, and each byte of the resource at most once.
// * HttpResponse::body_offset says where in the resource the first byte handed over sits:
//   the request's range_start when the server honoured it (206), 0 when it sent everything (200).
// * When an attempt breaks after some bytes were handed over and the retry policy allows another,
//   the next attempt asks for `Range: bytes=<next offset>-` (with `If-Range: <ETag>` when the
//   earlier response carried a strong ETag), and on_data simply continues.
// * When a request with a Range (the caller's range_start, or a resume) is answered with the
//   whole body (200: the server ignores ranges or the resource changed), the client calls
//   on_restart() first: the sink drops everything it holds (truncate the file, reset the hash)
//   and then receives the body from offset 0. Without on_restart such a transfer fails with
//   ErrorCode::network instead of handing over a second copy.
// * An error returned by on_data or on_restart aborts that transfer at once, without retry, and
//   becomes the request's error unchanged.
// * When a download broke after bytes were handed over and the resumption is answered with an
//   error status (416, 404, ...), the request fails (ErrorCode::network): the sink holds a part.
// * on_complete (optional) is called once, on perform()'s thread, when the request finished with
//   its final 2xx response (no on_data follows), while the other requests of the batch may still
//   run: the caller can start on the body (check it, sync it to disk) at once. It must not throw.
struct StreamingBody {
  std::function<Result<void>(std::span<const std::byte>)> on_data;
  std::function<Result<void>()> on_restart;
  std::function<void()> on_complete;
};

using HttpBodySink = std::variant<BufferedBody, StreamingBody>;

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  // Absolute http:// or https:// URL.
  std::string url;
  // Extra request headers. Authorization is refused here: the token comes only from
  // HttpSettings, so that the origin rule below always applies to it.
  std::vector<HttpHeaderField> headers;
  // Sends `Range: bytes=N-` (resume a download from byte N).
  std::optional<std::uint64_t> range_start;
  HttpBodySink body = BufferedBody{};
  // When false, a 3xx is returned as the response (the Hub's HEAD on /resolve reads
  // X-Linked-Etag, X-Linked-Size and Location from the 302 itself).
  bool follow_redirects = true;
};

// A response that redirected, in the order they came.
struct HttpRedirect {
  int status = 0;
  // The URL that answered with this redirect (unredacted: it may carry a presigned query).
  std::string url;
  HttpHeaders headers;
};

struct HttpResponse {
  int status = 0;
  // Header fields of the final response.
  HttpHeaders headers;
  // The URL that gave the final response, after redirects.
  std::string url;
  // Every redirect of the final attempt, first hop first. The Hub's 302 from /resolve carries
  // X-Repo-Commit, X-Linked-Etag and X-Linked-Size: read them through original_headers().
  std::vector<HttpRedirect> redirects;
  // 2xx: the body with BufferedBody, empty with StreamingBody. Other statuses, either sink: the
  // first 64 KiB of the body (for the Hub layer's error messages; the rest is dropped).
  std::string body;
  // Body bytes handed over (BufferedBody: body.size(); StreamingBody: bytes given to on_data
  // since the start or since the last on_restart).
  std::uint64_t bytes_received = 0;
  // Offset in the resource of the first body byte (see StreamingBody).
  std::uint64_t body_offset = 0;
  // Size of the whole resource when the final 2xx response said it: the Content-Range total of
  // a 206 ("*" leaves it empty), the Content-Length of a 200 (or of a HEAD's answer).
  std::optional<std::uint64_t> resource_size;
  // Attempts made, 1 when the first one succeeded.
  int attempts = 0;

  // Headers of the response to the URL that was requested: the first redirect's when there
  // were redirects, else the final response's.
  [[nodiscard]] const HttpHeaders& original_headers() const {
    return redirects.empty() ? headers : redirects.front().headers;
  }
  [[nodiscard]] bool is_success() const { return status >= 200 && status < 300; }
};

// Told before each retry (for logs such as "retrying in 2 s: HTTP 503 is transient").
struct HttpRetryEvent {
  std::size_t request_index = 0;
  std::string url;  // redacted
  int failed_attempt = 0;
  RetryDecision decision;
  // The byte the next attempt resumes from, when bytes were already handed to a sink.
  std::optional<std::uint64_t> resume_from;
};

// Everything the client needs, filled by the caller (flags, environment and config are read
// elsewhere; the client reads no environment variable itself). The one exception is the proxy:
// libcurl reads http_proxy (lowercase only), https_proxy/HTTPS_PROXY, all_proxy/ALL_PROXY and
// no_proxy/NO_PROXY by itself when no proxy is set on the handle, which is what we want.
struct HttpSettings {
  // Parallel transfers and the cap on open connections (in total and per host).
  int jobs = 8;
  std::chrono::milliseconds connect_timeout{10000};
  // Upper bound for one attempt, connection to last byte; 0 means none (large downloads rely on
  // stall detection instead).
  std::chrono::milliseconds attempt_timeout{0};
  // Upper bound for a whole request with a BufferedBody (API answers, HEADs, small files), from
  // its first attempt through every retry and redirect; 0 means none. A server that trickles
  // bytes just fast enough to pass the stall check cannot hold such a request longer. Streamed
  // downloads are exempt: a large file may rightly take long, and stall detection covers them.
  std::chrono::milliseconds request_deadline{0};
  // An attempt slower than stall_bytes_per_second for stall_time is a stall (retried).
  std::uint32_t stall_bytes_per_second = 1;
  std::chrono::seconds stall_time{30};
  int max_redirects = 10;
  RetryPolicy retry;
  std::string user_agent = "kernels";
  // Sent as `Authorization: Bearer <token>` to token_origin only (scheme, host and port of any
  // URL on it, e.g. the Hub endpoint). Within one redirect chain, once a hop leaves that origin
  // the token is never sent again, not even when a later hop comes back: a foreign server must
  // not be able to choose an authenticated request on our behalf.
  std::string bearer_token;
  std::string token_origin;
  // TLS peers are always verified; this replaces the CA bundle libcurl was built with.
  std::string ca_bundle;
  // Uniform in [0, 1), for the backoff jitter; empty means the client's own generator.
  std::function<double()> random_unit;
  std::function<void(const HttpRetryEvent&)> on_retry;
  // Polled while transfers run (Ctrl-C); true aborts every unfinished request of the batch.
  std::function<bool()> cancel_requested;
};

// Not thread-safe: one thread at a time calls perform(). Connections, TLS sessions and DNS
// answers stay cached in the client between calls, so keep one client per process.
class HttpClient {
 public:
  // Fails (invalid_input) on unusable settings: jobs < 1, a token without a valid token_origin.
  [[nodiscard]] static Result<HttpClient> create(HttpSettings settings);

  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  // Runs all requests, at most `jobs` at a time, and returns one Result per request in the
  // same order. Blocks until every request has finished or failed.
  [[nodiscard]] std::vector<Result<HttpResponse>> perform(std::vector<HttpRequest> requests);
  [[nodiscard]] Result<HttpResponse> perform_one(HttpRequest request);

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kernels
