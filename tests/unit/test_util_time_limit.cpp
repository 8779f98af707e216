#include <chrono>

#include <doctest/doctest.h>

#include "kernels/util/time_limit.hpp"

using kernels::ErrorCode;
using kernels::parse_time_limit;
using kernels::SystemTime;

namespace {

SystemTime utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}} +
         std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
}

const SystemTime kNow = utc(2026, 3, 15, 12, 0, 0);

}  // namespace

TEST_CASE("time limit: ages count back from now") {
  CHECK(parse_time_limit("30d", kNow).value() == utc(2026, 2, 13, 12));
  CHECK(parse_time_limit("12h", kNow).value() == utc(2026, 3, 15, 0));
  CHECK(parse_time_limit("45m", kNow).value() == utc(2026, 3, 15, 11, 15));
  CHECK(parse_time_limit("90s", kNow).value() == utc(2026, 3, 15, 11, 58, 30));
  CHECK(parse_time_limit("2w", kNow).value() == utc(2026, 3, 1, 12));
  CHECK(parse_time_limit("1d12h", kNow).value() == utc(2026, 3, 14, 0));
}

TEST_CASE("time limit: ISO dates and date-times") {
  CHECK(parse_time_limit("2026-01-31", kNow).value() == utc(2026, 1, 31));
  CHECK(parse_time_limit("2026-01-31T12:30", kNow).value() == utc(2026, 1, 31, 12, 30));
  CHECK(parse_time_limit("2026-01-31T12:30:45Z", kNow).value() == utc(2026, 1, 31, 12, 30, 45));
  CHECK(parse_time_limit("2026-01-31T12:30:45+02:00", kNow).value() ==
        utc(2026, 1, 31, 10, 30, 45));
  CHECK(parse_time_limit("2026-01-31T00:30-0100", kNow).value() == utc(2026, 1, 31, 1, 30));
  CHECK(parse_time_limit("2024-02-29", kNow).has_value());
}

TEST_CASE("time limit: malformed texts are refused with the accepted forms") {
  for (const char* text : {"", "30", "d", "30x", "0d", "-5d", "30 d", "99999999999999999999d",
                           "2026-02-30", "2025-02-29", "2026-1-31", "2026-01-31T25:00",
                           "2026-01-31T12", "2026-01-31T12:00:00junk", "2026-13-01", "yesterday"}) {
    CAPTURE(text);
    auto parsed = parse_time_limit(text, kNow);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ErrorCode::invalid_input);
    CHECK(parsed.error().message.find("30d") != std::string::npos);
  }
}
