#include "kernels/hub/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <string>

#include <curl/curl.h>

namespace kernels {
namespace {

using std::chrono::milliseconds;

bool is_transient(TransportFailure failure) {
  switch (failure) {
    case TransportFailure::connect_refused:
    case TransportFailure::connect_failed:
    case TransportFailure::connect_timeout:
    case TransportFailure::timeout:
    case TransportFailure::stalled:
    case TransportFailure::connection_reset:
    case TransportFailure::partial_body:
    case TransportFailure::protocol:
      return true;
    case TransportFailure::none:
    case TransportFailure::resolve:
    case TransportFailure::tls:
    case TransportFailure::other:
      return false;
  }
  return false;
}

// min(max_delay, base_delay * 2^(attempt - 1)) without overflowing on large attempt numbers.
milliseconds backoff_ceiling(const RetryPolicy& policy, int attempt) {
  const milliseconds cap = std::max(policy.max_delay, milliseconds{0});
  milliseconds ceiling = std::clamp(policy.base_delay, milliseconds{0}, cap);
  for (int i = 1; i < attempt && ceiling < cap; ++i) {
    ceiling = std::min(cap, ceiling * 2);
  }
  return ceiling;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

// Non-negative decimal seconds; values too large to matter saturate at a day.
std::optional<milliseconds> parse_seconds(std::string_view text) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  constexpr std::int64_t kDay = 86400;
  if (text.size() > 6) return milliseconds{kDay * 1000};
  std::int64_t seconds = 0;
  std::from_chars(text.data(), text.data() + text.size(), seconds);
  return milliseconds{std::min(seconds, kDay) * 1000};
}

}  // namespace

std::string_view to_string(TransportFailure failure) {
  switch (failure) {
    case TransportFailure::none:
      return "no transport failure";
    case TransportFailure::resolve:
      return "host name not resolved";
    case TransportFailure::connect_refused:
      return "connection refused";
    case TransportFailure::connect_failed:
      return "connection failed";
    case TransportFailure::connect_timeout:
      return "connect timeout";
    case TransportFailure::timeout:
      return "timeout";
    case TransportFailure::stalled:
      return "stalled transfer";
    case TransportFailure::connection_reset:
      return "connection broken";
    case TransportFailure::partial_body:
      return "incomplete body";
    case TransportFailure::protocol:
      return "HTTP protocol error";
    case TransportFailure::tls:
      return "TLS failure";
    case TransportFailure::other:
      return "transfer failure";
  }
  return "transfer failure";
}

bool is_transient_status(int status) {
  if (status == 408 || status == 429) return true;
  return status >= 500 && status <= 599 && status != 501 && status != 505;
}

RetryDecision decide_retry(const RetryPolicy& policy, const AttemptOutcome& outcome, int attempt,
                           double random_unit) {
  std::string why;
  if (outcome.failure == TransportFailure::none) {
    const std::string status = "HTTP " + std::to_string(outcome.status);
    if (!is_transient_status(outcome.status)) {
      return {
          false, milliseconds{0},
          status + (outcome.status >= 400 ? " is permanent; not retried" : " is not a failure")};
    }
    why = status + " is transient";
  } else {
    const std::string failure(to_string(outcome.failure));
    if (!is_transient(outcome.failure))
      return {false, milliseconds{0}, failure + " is permanent; not retried"};
    why = failure + " may be transient";
  }
  if (attempt >= policy.max_attempts) {
    return {false, milliseconds{0},
            "gave up after " + std::to_string(attempt) + " attempts (" + why + ")"};
  }

  // Full jitter: spreads the retries of many clients hit by the same outage over the window.
  if (!(random_unit >= 0.0)) random_unit = 0.0;  // also NaN
  random_unit = std::min(random_unit, 1.0);
  const milliseconds ceiling = backoff_ceiling(policy, attempt);
  auto delay = milliseconds{static_cast<milliseconds::rep>(
      std::floor(random_unit * static_cast<double>(ceiling.count())))};
  delay = std::min(delay, ceiling);
  if (outcome.server_delay) {
    delay = std::max(delay, std::min(*outcome.server_delay, policy.max_server_delay));
  }
  return {true, delay, why};
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (auto seconds = parse_seconds(value)) return seconds;
  // curl_getdate reads the three date forms RFC 9110 allows (IMF-fixdate, RFC 850, asctime).
  const std::string text(value);
  const std::time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const auto target = std::chrono::system_clock::from_time_t(when);
  if (target <= now) return milliseconds{0};
  return std::chrono::duration_cast<milliseconds>(target - now);
}

std::optional<milliseconds> parse_rate_limit_reset(std::string_view value) {
  // A structured-field list of items such as `"api";r=0;t=55`. Every item whose quota is spent
  // (r=0) asks for a wait; the longest one wins.
  std::optional<milliseconds> wait;
  std::size_t item_start = 0;
  while (item_start <= value.size()) {
    const std::size_t item_end = std::min(value.find(',', item_start), value.size());
    const std::string_view item = value.substr(item_start, item_end - item_start);
    std::optional<std::string_view> remaining;
    std::optional<std::string_view> reset;
    std::size_t start = 0;
    while (start <= item.size()) {
      const std::size_t end = std::min(item.find(';', start), item.size());
      const std::string_view parameter = trim(item.substr(start, end - start));
      if (parameter.size() > 2 && parameter[1] == '=') {
        if (parameter[0] == 'r') remaining = parameter.substr(2);
        if (parameter[0] == 't') reset = parameter.substr(2);
      }
      start = end + 1;
    }
    if (remaining == "0" && reset) {
      if (const auto seconds = parse_seconds(*reset))
        wait = std::max(wait.value_or(*seconds), *seconds);
    }
    item_start = item_end + 1;
  }
  return wait;
}

}  // namespace kernels
