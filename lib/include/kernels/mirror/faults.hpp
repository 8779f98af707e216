#pragma once

// Fault injection for `kernels serve` (testing aids): a configured share of requests is delayed,
// answered with an error, cut short or dropped, deterministically for a seed and a request order,
// so that clients' retry, resume and consistency checks can be tested against a real server.

#include <cstdint>

#include "kernels/error.hpp"

namespace kernels::mirror {

struct FaultOptions {
  std::uint32_t latency_ms = 0;  // added to every request
  // Every response body is sent this many bytes at a time, one write a second (0: at once): a
  // server that trickles bytes, too slowly to be useful, too fast to count as stalled.
  std::uint32_t trickle_bytes_per_second = 0;
  // Shares of requests, each in [0, 1], together at most 1: a request gets at most one fault.
  double drop_rate = 0;        // the connection is closed without a response
  double error_rate = 0;       // 500 Internal Server Error
  double rate_limit_rate = 0;  // 429 Too Many Requests with Retry-After: 1
  double truncate_rate = 0;    // the full Content-Length is announced, part of the body sent
  // A file's body (resolve and LFS downloads; never an API answer) is sent whole, with its first
  // byte changed: a server that serves wrong bytes, for the clients' integrity checks.
  double corrupt_rate = 0;
  std::uint64_t seed = 0;
};

enum class Fault { none, drop, error, rate_limit, truncate, corrupt };

// Checks the rates (each in [0, 1], the sum at most 1); invalid_input names the bad one.
[[nodiscard]] Result<void> validate_fault_options(const FaultOptions& options);

// The fault of the request with this index (0 for the first request the server receives): one
// uniform draw from (seed, index) picks it by the rates, in the order drop, error, rate_limit,
// truncate, corrupt. The same seed and order give the same faults.
[[nodiscard]] Fault fault_for_request(const FaultOptions& options, std::uint64_t request_index);

}  // namespace kernels::mirror
