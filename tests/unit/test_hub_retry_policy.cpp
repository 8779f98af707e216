#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/retry_policy.hpp"

using kernels::AttemptOutcome;
using kernels::decide_retry;
using kernels::RetryPolicy;
using kernels::TransportFailure;
using std::chrono::milliseconds;

namespace {

RetryPolicy table_policy() {
  RetryPolicy policy;
  policy.max_attempts = 4;
  policy.base_delay = milliseconds(100);
  policy.max_delay = milliseconds(1000);
  policy.max_server_delay = milliseconds(5000);
  return policy;
}

AttemptOutcome status(int code, std::optional<milliseconds> server_delay = std::nullopt) {
  return AttemptOutcome{TransportFailure::none, code, server_delay};
}

AttemptOutcome broken(TransportFailure failure) {
  return AttemptOutcome{failure, 0, std::nullopt};
}

struct Case {
  const char* name;
  AttemptOutcome outcome;
  int attempt;
  double random;
  bool retry;
  long long delay_ms;
};

}  // namespace

TEST_CASE("retry policy: the decision table") {
  const std::vector<Case> cases = {
      // Transient statuses, with the backoff ceiling doubling per attempt (100, 200, 400 ms).
      {"503 first attempt", status(503), 1, 0.5, true, 50},
      {"503 second attempt", status(503), 2, 0.5, true, 100},
      {"503 third attempt, top of the window", status(503), 3, 0.999, true, 399},
      {"500", status(500), 1, 0.0, true, 0},
      {"502", status(502), 1, 0.5, true, 50},
      {"504", status(504), 1, 0.5, true, 50},
      {"599", status(599), 1, 0.5, true, 50},
      {"408", status(408), 1, 0.5, true, 50},
      {"429 without Retry-After", status(429), 1, 0.5, true, 50},
      // The server's wait is a floor over the jittered backoff, and it is capped.
      {"429 Retry-After 2 s", status(429, milliseconds(2000)), 1, 0.0, true, 2000},
      {"503 Retry-After 1 h is capped", status(503, milliseconds(3600000)), 1, 0.5, true, 5000},
      {"503 short Retry-After below the backoff", status(503, milliseconds(10)), 3, 0.9, true, 360},
      // The last attempt never retries.
      {"503 on the last attempt", status(503), 4, 0.5, false, 0},
      {"429 on the last attempt", status(429, milliseconds(10)), 4, 0.5, false, 0},
      // Permanent statuses and successes.
      {"501", status(501), 1, 0.5, false, 0},
      {"505", status(505), 1, 0.5, false, 0},
      {"400", status(400), 1, 0.5, false, 0},
      {"401", status(401), 1, 0.5, false, 0},
      {"403", status(403), 1, 0.5, false, 0},
      {"404", status(404), 1, 0.5, false, 0},
      {"416", status(416), 1, 0.5, false, 0},
      {"200", status(200), 1, 0.5, false, 0},
      {"206", status(206), 1, 0.5, false, 0},
      {"302", status(302), 1, 0.5, false, 0},
      // Transport failures.
      {"connection refused", broken(TransportFailure::connect_refused), 1, 0.5, true, 50},
      {"connection failed", broken(TransportFailure::connect_failed), 1, 0.5, true, 50},
      {"connect timeout", broken(TransportFailure::connect_timeout), 2, 0.5, true, 100},
      {"timeout", broken(TransportFailure::timeout), 1, 0.5, true, 50},
      {"stall", broken(TransportFailure::stalled), 1, 0.5, true, 50},
      {"reset", broken(TransportFailure::connection_reset), 1, 0.5, true, 50},
      {"partial body", broken(TransportFailure::partial_body), 1, 0.5, true, 50},
      {"HTTP/2 stream reset", broken(TransportFailure::protocol), 1, 0.5, true, 50},
      {"reset on the last attempt", broken(TransportFailure::connection_reset), 4, 0.5, false, 0},
      {"unresolvable host", broken(TransportFailure::resolve), 1, 0.5, false, 0},
      {"untrusted certificate", broken(TransportFailure::tls), 1, 0.5, false, 0},
      {"unknown curl failure", broken(TransportFailure::other), 1, 0.5, false, 0},
  };
  const RetryPolicy policy = table_policy();
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const auto decision = decide_retry(policy, c.outcome, c.attempt, c.random);
    CHECK(decision.retry == c.retry);
    CHECK(decision.delay.count() == c.delay_ms);
    CHECK_FALSE(decision.reason.empty());
  }
}

TEST_CASE("retry policy: the backoff is capped however many attempts were made") {
  RetryPolicy policy = table_policy();
  policy.max_attempts = std::numeric_limits<int>::max();
  for (const int attempt : {5, 10, 64, 1000, std::numeric_limits<int>::max() - 1}) {
    CAPTURE(attempt);
    const auto decision = decide_retry(policy, status(503), attempt, 0.999999);
    CHECK(decision.retry);
    CHECK(decision.delay <= policy.max_delay);
    CHECK(decision.delay >= milliseconds(999));
  }
}

TEST_CASE("retry policy: out-of-range random values stay inside the window") {
  const RetryPolicy policy = table_policy();
  CHECK(decide_retry(policy, status(503), 2, -1.0).delay == milliseconds(0));
  CHECK(decide_retry(policy, status(503), 2, std::nan("")).delay == milliseconds(0));
  CHECK(decide_retry(policy, status(503), 2, 7.0).delay == milliseconds(200));
}

TEST_CASE("retry policy: max_attempts 1 never retries") {
  RetryPolicy policy = table_policy();
  policy.max_attempts = 1;
  CHECK_FALSE(decide_retry(policy, status(503), 1, 0.5).retry);
  CHECK_FALSE(decide_retry(policy, broken(TransportFailure::connection_reset), 1, 0.5).retry);
}

TEST_CASE("retry policy: reasons say why, for the log line") {
  const RetryPolicy policy = table_policy();
  CHECK(decide_retry(policy, status(503), 1, 0.5).reason == "HTTP 503 is transient");
  CHECK(decide_retry(policy, status(404), 1, 0.5).reason == "HTTP 404 is permanent; not retried");
  CHECK(decide_retry(policy, status(503), 4, 0.5).reason ==
        "gave up after 4 attempts (HTTP 503 is transient)");
  CHECK(decide_retry(policy, broken(TransportFailure::tls), 1, 0.5).reason ==
        "TLS failure is permanent; not retried");
  CHECK(decide_retry(policy, broken(TransportFailure::connect_refused), 1, 0.5).reason ==
        "connection refused may be transient");
}

TEST_CASE("retry policy: transient statuses") {
  for (const int code : {408, 429, 500, 502, 503, 504, 599}) {
    CAPTURE(code);
    CHECK(kernels::is_transient_status(code));
  }
  for (const int code : {200, 204, 206, 301, 304, 400, 401, 403, 404, 410, 416, 501, 505, 600}) {
    CAPTURE(code);
    CHECK_FALSE(kernels::is_transient_status(code));
  }
}

TEST_CASE("retry policy: Retry-After in seconds and as an HTTP date") {
  using kernels::parse_retry_after;
  // 2015-10-21T07:28:00Z
  const auto date = std::chrono::system_clock::from_time_t(1445412480);
  CHECK(parse_retry_after("120", date) == milliseconds(120000));
  CHECK(parse_retry_after(" 5 ", date) == milliseconds(5000));
  CHECK(parse_retry_after("0", date) == milliseconds(0));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", date - std::chrono::seconds(10)) ==
        milliseconds(10000));
  CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", date - std::chrono::seconds(3)) ==
        milliseconds(3000));
  CHECK(parse_retry_after("Wed Oct 21 07:28:00 2015", date - std::chrono::seconds(1)) ==
        milliseconds(1000));
  // A date in the past asks for no wait at all.
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", date + std::chrono::hours(1)) ==
        milliseconds(0));
  // Absurd values saturate at a day (the policy caps them further).
  CHECK(parse_retry_after("99999999999999999999", date) == milliseconds(86400000));
  for (const char* bad : {"", "soon", "-5", "1.5", "5s", "0x10"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_retry_after(bad, date).has_value());
  }
}

TEST_CASE("retry policy: the Hub's RateLimit header on 429") {
  using kernels::parse_rate_limit_reset;
  CHECK(parse_rate_limit_reset("\"api\";r=0;t=55") == milliseconds(55000));
  CHECK(parse_rate_limit_reset("\"resolvers\"; r=0; t=172") == milliseconds(172000));
  CHECK_FALSE(parse_rate_limit_reset("\"resolvers\";r=2998;t=172").has_value());
  CHECK(parse_rate_limit_reset("\"a\";r=5;t=1, \"b\";r=0;t=30") == milliseconds(30000));
  CHECK_FALSE(parse_rate_limit_reset("\"api\";r=0").has_value());
  CHECK_FALSE(parse_rate_limit_reset("\"api\";r=0;t=soon").has_value());
  CHECK_FALSE(parse_rate_limit_reset("").has_value());
}
