#pragma once

// When to try an HTTP request again, and how long to wait first (DESIGN.md, reliability rules:
// transient failures are retried with capped exponential backoff and jitter, permanent ones are
// not). decide_retry() is a pure function of its arguments so that the whole policy is covered by
// a table of cases; the HTTP client only feeds it what happened and sleeps as told.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kernels {

struct RetryPolicy {
  // Attempts in total, the first one included; 1 disables retries.
  int max_attempts = 5;
  // The backoff ceiling before jitter is base_delay * 2^(attempt - 1), capped at max_delay.
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{8000};
  // A server's Retry-After (or RateLimit reset) is a floor for the wait, but never more than this:
  // a server cannot park the client for an hour.
  std::chrono::milliseconds max_server_delay{60000};
};

// How an attempt failed below HTTP, as far as retrying cares. `none` means a complete HTTP
// response arrived and its status decides.
enum class TransportFailure {
  none,
  resolve,           // the host name did not resolve: a typo or no network; not retried
  connect_refused,   // nothing listens on the port (a server restarting); retried
  connect_failed,    // no route, host unreachable; retried
  connect_timeout,   // no connection within the connect timeout; retried
  timeout,           // the attempt ran past its time limit; retried
  stalled,           // fewer bytes per second than the stall limit for too long; retried
  connection_reset,  // the connection broke while sending or receiving; retried
  partial_body,      // the body ended before its announced length; retried (resumed)
  protocol,          // a malformed or reset HTTP/1.1 or HTTP/2 exchange; retried
  tls,               // certificate or TLS setup failure: retrying cannot fix it; not retried
  other,             // anything else curl reports; not retried
};

[[nodiscard]] std::string_view to_string(TransportFailure failure);

struct AttemptOutcome {
  TransportFailure failure = TransportFailure::none;
  // The HTTP status when failure == none.
  int status = 0;
  // What the server asked us to wait (Retry-After, RateLimit), already parsed.
  std::optional<std::chrono::milliseconds> server_delay;
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  // Why: "HTTP 503 is transient", "HTTP 404 is permanent", "gave up after 5 attempts", ... for
  // log lines such as "retrying in 2 s: HTTP 503 is transient" or "not retrying: ...".
  std::string reason;
};

// True for statuses that say "try again later": 408, 429 and 5xx except 501 and 505 (those say
// the server will never do what was asked).
[[nodiscard]] bool is_transient_status(int status);

// `attempt` is the 1-based number of the attempt that just ended; `random_unit` is uniform in
// [0, 1). Full jitter: the wait is random_unit * min(max_delay, base_delay * 2^(attempt-1)),
// raised to min(server_delay, max_server_delay) when the server asked for a wait.
// Never retries once `attempt` >= max_attempts, nor on 2xx/3xx/other 4xx.
[[nodiscard]] RetryDecision decide_retry(const RetryPolicy& policy, const AttemptOutcome& outcome,
                                         int attempt, double random_unit);

// The wait a Retry-After header value asks for: delay-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", measured from `now`; a date in the past means 0).
// nullopt when the value is neither.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The wait an IETF RateLimit header asks for when the quota is spent, as the Hub sends it on 429:
// `"api";r=0;t=55` -> 55 s. nullopt when the remaining quota is not 0 or the value is malformed.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_rate_limit_reset(
    std::string_view value);

}  // namespace kernels
