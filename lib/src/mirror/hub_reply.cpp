// HubReply, Range parsing and the reply builders every route uses.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

#include "kernels/mirror/hub_api.hpp"

#include "mirror/hub_api_state.hpp"
#include "util/ascii.hpp"

namespace kernels::mirror {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// Digits only, no sign or space; nothing on overflow.
std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Only characters that are safe in a host name or an address literal: the Host header is
// copied into Location and Link headers.
bool is_safe_host(std::string_view host) {
  return !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']';
  });
}

}  // namespace

void HubReply::set_header(std::string name, std::string value) {
  // Header values may carry text from the request (a revision in an error message): no control
  // character may reach the wire, or a client could be fed forged headers.
  for (char& c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HubReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equals_ignoring_case(key, name)) return value;
  }
  return std::nullopt;
}

std::uint64_t HubReply::body_size() const {
  if (const auto* text = std::get_if<std::string>(&body)) return text->size();
  if (const auto* file = std::get_if<FileBody>(&body)) return file->length;
  return 0;
}

ByteRange parse_byte_range(std::string_view header, std::uint64_t size) {
  constexpr std::string_view kUnit = "bytes=";
  const ByteRange whole{ByteRange::Kind::whole, 0, size};
  const ByteRange unsatisfiable{ByteRange::Kind::unsatisfiable, 0, 0};
  if (!header.starts_with(kUnit)) return whole;
  const std::string_view spec = header.substr(kUnit.size());
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return whole;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty()) {  // bytes=-N: the last N bytes
    const auto suffix = parse_decimal(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) return unsatisfiable;
    const std::uint64_t length = std::min(*suffix, size);
    return ByteRange{ByteRange::Kind::partial, size - length, length};
  }
  const auto first = parse_decimal(first_text);
  if (!first) return whole;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto given = parse_decimal(last_text);
    if (!given || *given < *first) return whole;
    last = std::min(last, *given);
  }
  if (*first >= size) return unsatisfiable;
  return ByteRange{ByteRange::Kind::partial, *first, last - *first + 1};
}

namespace detail {

HubReply error_reply(int status, std::string_view code, std::string_view message) {
  HubReply reply;
  reply.status = status;
  if (!code.empty()) reply.set_header("X-Error-Code", std::string(code));
  reply.set_header("X-Error-Message", std::string(message));
  reply.set_header("Content-Type", "application/json; charset=utf-8");
  reply.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                       nlohmann::json::error_handler_t::replace);
  return reply;
}

HubReply json_reply(const nlohmann::ordered_json& document) {
  HubReply reply;
  reply.set_header("Content-Type", "application/json; charset=utf-8");
  reply.body = document.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return reply;
}

std::string request_base_url(const HubRequest& request, const HubApiOptions& options) {
  if (is_safe_host(request.host)) return "http://" + request.host;
  return "http://" + options.default_host + ":" + std::to_string(options.port);
}

std::string request_host_name(const HubRequest& request, const HubApiOptions& options) {
  if (!is_safe_host(request.host)) return options.default_host;
  const std::string& host = request.host;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    return close == std::string::npos ? options.default_host : host.substr(0, close + 1);
  }
  return host.substr(0, host.find(':'));
}

}  // namespace detail
}  // namespace kernels::mirror
