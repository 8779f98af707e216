#include "hub/response_parsing.hpp"

#include <algorithm>
#include <charconv>

namespace kernels::detail {
namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlank = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kBlank);
  return text.substr(first, last - first + 1);
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
  const auto lower = [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<int> parse_status_line(std::string_view line) {
  line = trim(line);
  if (line.substr(0, 5) != "HTTP/") return std::nullopt;
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view code = line.substr(space + 1, 3);
  if (code.size() != 3 || !all_digits(code)) return std::nullopt;
  if (line.size() > space + 4 && line[space + 4] != ' ') return std::nullopt;
  int status = 0;
  std::from_chars(code.data(), code.data() + code.size(), status);
  return status;
}

std::optional<HttpHeaderField> parse_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view name = trim(line.substr(0, colon));
  if (name.empty()) return std::nullopt;
  return HttpHeaderField{std::string(name), std::string(trim(line.substr(colon + 1)))};
}

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  text = trim(text);
  if (!all_digits(text)) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ContentRange> parse_content_range(std::string_view value) {
  value = trim(value);
  constexpr std::string_view kUnit = "bytes ";
  if (value.substr(0, kUnit.size()) != kUnit) return std::nullopt;
  value.remove_prefix(kUnit.size());
  const std::size_t dash = value.find('-');
  const std::size_t slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  const auto first = parse_decimal(value.substr(0, dash));
  const auto last = parse_decimal(value.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *first > *last) return std::nullopt;
  ContentRange range{*first, *last, std::nullopt};
  const std::string_view total = value.substr(slash + 1);
  if (total != "*") {
    range.total = parse_decimal(total);
    if (!range.total || *range.total <= *last) return std::nullopt;
  }
  return range;
}

bool is_strong_etag(std::string_view etag) {
  etag = trim(etag);
  return etag.size() >= 2 && etag.front() == '"' && etag.back() == '"';
}

std::optional<std::chrono::milliseconds> server_requested_delay(
    int status, const HttpHeaders& headers, std::chrono::system_clock::time_point now) {
  if (const auto retry_after = headers.find("Retry-After")) {
    if (auto delay = parse_retry_after(*retry_after, now)) return delay;
  }
  if (status == 429) {
    if (const auto rate_limit = headers.find("RateLimit"))
      return parse_rate_limit_reset(*rate_limit);
  }
  return std::nullopt;
}

}  // namespace kernels::detail
