#pragma once

// Reading the parts of an HTTP response the client acts on. Pure functions over text, so that
// hostile or odd values are handled in one place.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "kernels/hub/http.hpp"

namespace kernels::detail {

// Header names compare without regard to ASCII case (RFC 9110 5.1).
[[nodiscard]] bool equal_ignoring_ascii_case(std::string_view a, std::string_view b);

// "HTTP/1.1 200 OK", "HTTP/2 404" -> the status; nullopt for anything else.
[[nodiscard]] std::optional<int> parse_status_line(std::string_view line);

// "Name: value" with the line ending and surrounding blanks removed; nullopt when there is no
// colon or no name.
[[nodiscard]] std::optional<HttpHeaderField> parse_header_line(std::string_view line);

// A plain decimal Content-Length; nullopt when malformed or too large for 64 bits.
[[nodiscard]] std::optional<std::uint64_t> parse_decimal(std::string_view text);

struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> total;  // "*" when the server does not know
};

// "bytes 10-42/43" or "bytes 10-42/*"; nullopt when malformed or first > last.
[[nodiscard]] std::optional<ContentRange> parse_content_range(std::string_view value);

// A strong validator may go into If-Range; a weak one (W/"...") may not (RFC 9110 13.1.5).
[[nodiscard]] bool is_strong_etag(std::string_view etag);

// What a response asks the client to wait before trying again: Retry-After on any status,
// else the RateLimit reset of a 429.
[[nodiscard]] std::optional<std::chrono::milliseconds> server_requested_delay(
    int status, const HttpHeaders& headers, std::chrono::system_clock::time_point now);

}  // namespace kernels::detail
