#include "hub/json_body.hpp"

#include <algorithm>

#include "kernels/hub/url.hpp"

#include "util/ascii.hpp"
#include "util/json_nesting.hpp"
#include "util/json_type_name.hpp"

namespace kernels::detail {
namespace {

constexpr int kMaxJsonDepth = 64;
constexpr std::size_t kMaxShownLength = 200;

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error
// while parsing value - invalid literal; last read: '...'" without the prefix and the excerpt of
// the server's bytes.
std::string describe_parse_error(std::string_view what) {
  if (const auto at = what.find("parse error"); at != std::string_view::npos)
    what.remove_prefix(at);
  if (const auto last = what.find("; last read"); last != std::string_view::npos) {
    what = what.substr(0, last);
  }
  return shown_text(what);
}

}  // namespace

std::string shown_text(std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    if (out.size() >= kMaxShownLength) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\'' || c == '\\') {
      out += "\\x";
      out.push_back(kHex[byte >> 4U]);
      out.push_back(kHex[byte & 0x0fU]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string display_origin(const HttpResponse& response) {
  const std::string& asked = response.redirects.empty() ? response.url : response.redirects[0].url;
  const std::string redacted = redact_url(asked);
  const std::size_t scheme_end = redacted.find("://");
  if (scheme_end == std::string::npos) return redacted;
  return redacted.substr(0, redacted.find_first_of("/?#", scheme_end + 3));
}

Error bad_answer(const HttpResponse& response, std::string_view subject, std::string_view why) {
  return Error{ErrorCode::network,
               "unexpected answer from the Hub for " + std::string(subject) + ": " +
                   std::string(why) + "; the server does not answer as the Hub API does",
               redact_url(response.url)};
}

Error refused_value(const HttpResponse& response, std::string message) {
  return Error{ErrorCode::invalid_input, std::move(message), redact_url(response.url)};
}

Result<Json> parse_json_body(const HttpResponse& response, std::string_view subject) {
  const std::string_view body = response.body;
  if (const auto deep = find_excess_json_nesting(body, kMaxJsonDepth)) {
    return tl::unexpected(Error{ErrorCode::network,
                                "malformed JSON from the Hub for " + std::string(subject) +
                                    ": nested deeper than " + std::to_string(kMaxJsonDepth) +
                                    " levels at byte " + std::to_string(*deep),
                                redact_url(response.url)});
  }
  try {
    return Json::parse(body);
  } catch (const Json::exception& error) {
    return tl::unexpected(Error{ErrorCode::network,
                                "malformed JSON from the Hub for " + std::string(subject) + " (" +
                                    describe_parse_error(error.what()) +
                                    "); the server does not answer as the Hub API does",
                                redact_url(response.url)});
  }
}

std::string JsonObjectReader::member_path(std::string_view key) const {
  const bool identifier = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return ascii::is_alnum(c) || c == '_';
  });
  if (identifier) return path_ + "." + std::string(key);
  return path_ + "['" + shown_text(key) + "']";
}

Error JsonObjectReader::wrong(std::string_view key, std::string_view expectation) const {
  const Json* value = find(key);
  std::string why = member_path(key) + " must be " + std::string(expectation);
  why += value == nullptr ? ", but it is missing" : ", not " + std::string(json_type_name(*value));
  return bad_answer(response_, subject_, why);
}

const Json* JsonObjectReader::find(std::string_view key) const {
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(std::string(key));
  return it == object_.end() ? nullptr : &*it;
}

Result<std::optional<std::string>> JsonObjectReader::optional_string(std::string_view key) const {
  const Json* value = find(key);
  if (value == nullptr || value->is_null()) return std::optional<std::string>{};
  if (!value->is_string()) return tl::unexpected(wrong(key, "a string"));
  return std::optional<std::string>(value->get<std::string>());
}

Result<std::string> JsonObjectReader::required_string(std::string_view key) const {
  const Json* value = find(key);
  if (value == nullptr || !value->is_string()) return tl::unexpected(wrong(key, "a string"));
  return value->get<std::string>();
}

Result<std::optional<std::uint64_t>> JsonObjectReader::optional_size(std::string_view key) const {
  const Json* value = find(key);
  if (value == nullptr || value->is_null()) return std::optional<std::uint64_t>{};
  if (value->is_number_unsigned()) return std::optional<std::uint64_t>(value->get<std::uint64_t>());
  if (value->is_number_integer() && value->get<std::int64_t>() >= 0) {
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(value->get<std::int64_t>()));
  }
  return tl::unexpected(wrong(key, "a non-negative integer"));
}

Result<std::uint64_t> JsonObjectReader::required_size(std::string_view key) const {
  auto size = optional_size(key);
  if (!size) return tl::unexpected(size.error());
  if (!*size) return tl::unexpected(wrong(key, "a non-negative integer"));
  return **size;
}

Result<std::optional<bool>> JsonObjectReader::optional_bool(std::string_view key) const {
  const Json* value = find(key);
  if (value == nullptr || value->is_null()) return std::optional<bool>{};
  if (!value->is_boolean()) return tl::unexpected(wrong(key, "a boolean"));
  return std::optional<bool>(value->get<bool>());
}

std::optional<std::string> normalized_hex(std::string_view text, std::size_t digits) {
  if (text.size() != digits) return std::nullopt;
  std::string out(text);
  for (char& c : out) {
    c = ascii::to_lower(c);
    if (!ascii::is_digit(c) && (c < 'a' || c > 'f')) return std::nullopt;
  }
  return out;
}

}  // namespace kernels::detail
