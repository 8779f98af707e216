#pragma once

// Private to the Hub layer: JSON bodies of the Hub's answers, read defensively, and the two kinds
// of errors their parsers give (hub_responses.hpp says which is which).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kernels/error.hpp"
#include "kernels/hub/http.hpp"

namespace kernels::detail {

using Json = nlohmann::json;

// `text` for a message: control characters, '\'' and '\\' and bytes outside ASCII escaped as \xNN,
// cut to about 200 characters, so that a hostile value cannot forge lines or flood a log.
[[nodiscard]] std::string shown_text(std::string_view text);

// "scheme://host[:port]" of the URL that was asked (before redirects), as written and without
// credentials: the endpoint the user configured, for messages.
[[nodiscard]] std::string display_origin(const HttpResponse& response);

// The answer is not what the Hub API sends (ErrorCode::network): "unexpected answer from the Hub
// for <subject>: <why>", located at the redacted URL.
[[nodiscard]] Error bad_answer(const HttpResponse& response, std::string_view subject,
                               std::string_view why);

// A value is unsafe to use (ErrorCode::invalid_input), located at the redacted URL.
[[nodiscard]] Error refused_value(const HttpResponse& response, std::string message);

// The body as JSON. Fails (network) on a syntax error or nesting deeper than 64 levels (nothing
// the Hub sends is deeper than 4), with "malformed JSON from the Hub for <subject> (...)".
[[nodiscard]] Result<Json> parse_json_body(const HttpResponse& response, std::string_view subject);

// Members of a JSON object with the checks every parser needs; `path` names the object in
// messages ("$", "$.branches[0]"). Missing members give nullopt; a member of the wrong type is a
// bad_answer.
class JsonObjectReader {
 public:
  JsonObjectReader(const HttpResponse& response, std::string_view subject, const Json& object,
                   std::string path)
      : response_(response), subject_(subject), object_(object), path_(std::move(path)) {}

  [[nodiscard]] Result<std::optional<std::string>> optional_string(std::string_view key) const;
  [[nodiscard]] Result<std::string> required_string(std::string_view key) const;
  [[nodiscard]] Result<std::optional<std::uint64_t>> optional_size(std::string_view key) const;
  [[nodiscard]] Result<std::uint64_t> required_size(std::string_view key) const;
  [[nodiscard]] Result<std::optional<bool>> optional_bool(std::string_view key) const;
  // The member, of any type, or nullptr.
  [[nodiscard]] const Json* find(std::string_view key) const;

  [[nodiscard]] std::string member_path(std::string_view key) const;
  [[nodiscard]] Error wrong(std::string_view key, std::string_view expectation) const;

 private:
  const HttpResponse& response_;
  std::string_view subject_;
  const Json& object_;
  std::string path_;
};

// A 40-digit hex commit id or git blob id, lowercased; nullopt when it is not one.
[[nodiscard]] std::optional<std::string> normalized_hex(std::string_view text, std::size_t digits);

}  // namespace kernels::detail
