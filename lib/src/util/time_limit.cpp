#include "kernels/util/time_limit.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace kernels {
namespace {

// Ages beyond this (about 270 years) are a typo, not a wish.
constexpr std::int64_t kMaxAgeSeconds = std::int64_t{100000} * 86400;

tl::unexpected<Error> malformed(std::string_view text, std::string_view why) {
  return fail(ErrorCode::invalid_input,
              "'" + std::string(text) + "' is not a date or an age (" + std::string(why) +
                  "); give an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z, or an age "
                  "such as 30d, 12h, 45m, 90s, 2w or 1d12h");
}

// Reads exactly `count` digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool take(std::string_view text, std::size_t& pos, char expected) {
  if (pos < text.size() && text[pos] == expected) {
    ++pos;
    return true;
  }
  return false;
}

std::optional<std::int64_t> unit_seconds(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    case 'w':
      return 7 * 86400;
    default:
      return std::nullopt;
  }
}

Result<SystemTime> parse_age(std::string_view text, SystemTime now) {
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      number = number * 10 + (text[pos] - '0');
      if (number > kMaxAgeSeconds) return malformed(text, "the age is too large");
      ++pos;
    }
    if (pos == start) return malformed(text, "expected a number");
    if (pos == text.size()) return malformed(text, "the number has no unit");
    const auto unit = unit_seconds(text[pos]);
    if (!unit) return malformed(text, "units are s, m, h, d and w");
    ++pos;
    total += number * *unit;
    if (total > kMaxAgeSeconds) return malformed(text, "the age is too large");
  }
  if (total == 0) return malformed(text, "an age of zero would remove everything in use");
  return now - std::chrono::seconds(total);
}

Result<SystemTime> parse_date(std::string_view text) {
  std::size_t pos = 0;
  const auto year = digits(text, pos, 4);
  const bool dash1 = take(text, pos, '-');
  const auto month = digits(text, pos, 2);
  const bool dash2 = take(text, pos, '-');
  const auto day = digits(text, pos, 2);
  if (!year || !month || !day || !dash1 || !dash2) return malformed(text, "expected YYYY-MM-DD");
  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return malformed(text, "no such day");
  std::chrono::seconds time_of_day{0};
  if (pos < text.size()) {
    if (!take(text, pos, 'T') && !take(text, pos, ' ')) {
      return malformed(text, "expected T after the date");
    }
    const auto hour = digits(text, pos, 2);
    const bool colon = take(text, pos, ':');
    const auto minute = digits(text, pos, 2);
    if (!hour || !colon || !minute || *hour > 23 || *minute > 59) {
      return malformed(text, "expected HH:MM after T");
    }
    int second = 0;
    if (take(text, pos, ':')) {
      const auto parsed = digits(text, pos, 2);
      if (!parsed || *parsed > 59) return malformed(text, "expected seconds 00-59");
      second = *parsed;
    }
    time_of_day =
        std::chrono::hours(*hour) + std::chrono::minutes(*minute) + std::chrono::seconds(second);
    if (take(text, pos, 'Z')) {
      // UTC, as without a suffix.
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos] == '+' ? 1 : -1;
      ++pos;
      const auto offset_hours = digits(text, pos, 2);
      take(text, pos, ':');
      const auto offset_minutes = digits(text, pos, 2);
      if (!offset_hours || !offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
        return malformed(text, "expected an offset such as +02:00");
      }
      // Local time = UTC + offset, so UTC = local - offset.
      time_of_day -=
          sign * (std::chrono::hours(*offset_hours) + std::chrono::minutes(*offset_minutes));
    }
  }
  if (pos != text.size()) return malformed(text, "unexpected text after the date");
  return std::chrono::sys_days{date} + time_of_day;
}

}  // namespace

Result<SystemTime> parse_time_limit(std::string_view text, SystemTime now) {
  if (text.empty()) return malformed(text, "it is empty");
  // A date starts with four digits and a dash; an age never has a dash.
  if (text.size() >= 5 && text[4] == '-') return parse_date(text);
  return parse_age(text, now);
}

}  // namespace kernels
