#include "kernels/model/settings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string_view>

#include "util/ascii.hpp"

namespace kernels {
namespace {

SettingOrigin from_flag(std::string name) {
  return {SettingOrigin::Kind::flag, std::move(name)};
}
SettingOrigin from_environment(std::string name) {
  return {SettingOrigin::Kind::environment, std::move(name)};
}
SettingOrigin by_default() {
  return {SettingOrigin::Kind::default_value, "default"};
}

// The first of `names` that is set and not empty, with the name it came from.
std::optional<std::pair<std::string, std::string>> first_set(
    const Environment& environment, std::initializer_list<std::string_view> names) {
  for (const std::string_view name : names) {
    if (auto value = environment.get_non_empty(name)) return std::pair{std::string(name), *value};
  }
  return std::nullopt;
}

// `~` and `$VAR`/`${VAR}` expansion, as huggingface_hub applies to HF_HOME and friends.
std::string expand_path(std::string_view text, const Environment& environment) {
  std::string result;
  if (text.starts_with('~') && (text.size() == 1 || text[1] == '/')) {
    result = environment.get("HOME").value_or("~");
    text.remove_prefix(1);
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      result += text[i];
      continue;
    }
    const bool braced = text[i + 1] == '{';
    const std::size_t start = i + (braced ? 2 : 1);
    std::size_t end = start;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
      ++end;
    }
    if (end == start || (braced && (end == text.size() || text[end] != '}'))) {
      result += text[i];  // not a variable reference: keep the '$' as written
      continue;
    }
    const std::string name(text.substr(start, end - start));
    if (auto value = environment.get(name)) {
      result += *value;
    } else {
      result += text.substr(i, end - i + (braced ? 1 : 0));  // unknown variables stay, as in Python
    }
    i = end - (braced ? 0 : 1);
  }
  return result;
}

Result<Setting<std::string>> resolve_endpoint(const SettingOverrides& overrides,
                                              const Environment& environment) {
  Setting<std::string> endpoint{kDefaultEndpoint, by_default()};
  if (overrides.endpoint) {
    endpoint = {*overrides.endpoint, from_flag("--endpoint")};
  } else if (auto value = environment.get_non_empty("HF_ENDPOINT")) {
    endpoint = {*value, from_environment("HF_ENDPOINT")};
  }
  const std::string scheme =
      ascii::to_lower(endpoint.value.substr(0, endpoint.value.find("://") + 3));
  if (scheme != "http://" && scheme != "https://") {
    return fail(ErrorCode::usage,
                "endpoint '" + endpoint.value + "' from " + endpoint.origin.describe() +
                    " is not an http:// or https:// URL; use e.g. https://huggingface.co");
  }
  while (endpoint.value.ends_with('/'))
    endpoint.value.pop_back();
  return endpoint;
}

// A token file holds the token, possibly with a trailing newline.
std::optional<std::string> read_token_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream content;
  content << file.rdbuf();
  std::string token = content.str();
  std::erase(token, '\r');
  std::erase(token, '\n');
  const auto first = token.find_first_not_of(" \t");
  if (first == std::string::npos) return std::nullopt;
  token = token.substr(first, token.find_last_not_of(" \t") - first + 1);
  return token;
}

Result<Setting<std::filesystem::path>> resolve_hf_home(const Environment& environment) {
  if (auto value = environment.get_non_empty("HF_HOME")) {
    return Setting<std::filesystem::path>{expand_path(*value, environment),
                                          from_environment("HF_HOME")};
  }
  if (auto value = environment.get_non_empty("XDG_CACHE_HOME")) {
    return Setting<std::filesystem::path>{
        std::filesystem::path(expand_path(*value, environment)) / "huggingface",
        from_environment("XDG_CACHE_HOME")};
  }
  auto home = environment.get_non_empty("HOME");
  if (!home) {
    return fail(
        ErrorCode::usage,
        "cannot place the cache: HOME is not set; set KERNELS_CACHE, HF_HUB_CACHE or HF_HOME");
  }
  return Setting<std::filesystem::path>{std::filesystem::path(*home) / ".cache" / "huggingface",
                                        by_default()};
}

}  // namespace

std::string SettingOrigin::describe() const {
  switch (kind) {
    case Kind::flag:
      return name;
    case Kind::environment:
      return "$" + name;
    case Kind::file:
      return "file " + name;
    case Kind::default_value:
      return "the default";
  }
  return name;
}

Result<bool> parse_bool_setting(std::string_view name, std::string_view value) {
  static constexpr std::array<std::string_view, 4> kTrue{"1", "true", "yes", "on"};
  static constexpr std::array<std::string_view, 5> kFalse{"0", "false", "no", "off", ""};
  const std::string folded = ascii::to_lower(value);
  if (std::find(kTrue.begin(), kTrue.end(), folded) != kTrue.end()) return true;
  if (std::find(kFalse.begin(), kFalse.end(), folded) != kFalse.end()) return false;
  return fail(ErrorCode::usage,
              std::string(name) + "='" + std::string(value) +
                  "' is not a boolean; use 1 or 0 (also true/false, yes/no, on/off)");
}

Result<std::chrono::milliseconds> parse_seconds_setting(std::string_view name,
                                                        std::string_view value) {
  const std::string_view text = ascii::trim(value);
  std::uint64_t whole = 0;
  std::uint64_t thousandths = 0;
  std::size_t digits = 0;
  std::size_t i = 0;
  for (; i < text.size() && ascii::is_digit(text[i]) && digits < 6; ++i, ++digits)
    whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
  bool valid = digits > 0;
  if (valid && i < text.size() && text[i] == '.') {
    ++i;
    std::uint64_t scale = 100;
    const std::size_t fraction_start = i;
    for (; i < text.size() && ascii::is_digit(text[i]); ++i, scale /= 10)
      thousandths += static_cast<std::uint64_t>(text[i] - '0') * scale;
    valid = i > fraction_start;
  }
  constexpr std::uint64_t kDay = 86'400;
  if (!valid || i != text.size() || whole > kDay) {
    return fail(ErrorCode::usage, std::string(name) + "='" + std::string(value) +
                                      "' is not a number of seconds from 0 to 86400 (0: none)");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(whole * 1000 + thousandths));
}

std::string redacted_token(std::string_view token) {
  if (token.size() < 12) return "***";
  return std::string(token.substr(0, 3)) + "…" + std::string(token.substr(token.size() - 4));
}

namespace {

Setting<std::filesystem::path> cache_dir_setting(const SettingOverrides& overrides,
                                                 const Environment& environment,
                                                 const Setting<std::filesystem::path>& hf_home) {
  if (overrides.cache_dir) return {*overrides.cache_dir, from_flag("--cache-dir")};
  if (auto value =
          first_set(environment, {"KERNELS_CACHE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"})) {
    return {expand_path(value->second, environment), from_environment(value->first)};
  }
  return {hf_home.value / "hub", hf_home.origin};
}

}  // namespace

Result<Setting<std::filesystem::path>> resolve_cache_dir(const SettingOverrides& overrides,
                                                         const Environment& environment) {
  // A cache named by flag or variable needs no HOME (a job's environment may have none).
  if (overrides.cache_dir ||
      first_set(environment, {"KERNELS_CACHE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"})) {
    return cache_dir_setting(overrides, environment, {});
  }
  auto hf_home = resolve_hf_home(environment);
  if (!hf_home) return tl::unexpected(hf_home.error());
  return cache_dir_setting(overrides, environment, *hf_home);
}

Result<Settings> resolve_settings(const SettingOverrides& overrides,
                                  const Environment& environment) {
  Settings settings;

  auto endpoint = resolve_endpoint(overrides, environment);
  if (!endpoint) return tl::unexpected(endpoint.error());
  settings.endpoint = std::move(*endpoint);

  auto hf_home = resolve_hf_home(environment);
  if (!hf_home) return tl::unexpected(hf_home.error());
  settings.hf_home = std::move(*hf_home);
  settings.cache_dir = cache_dir_setting(overrides, environment, settings.hf_home);

  settings.offline = {false, by_default()};
  if (overrides.offline.value_or(false)) {
    settings.offline = {true, from_flag("--offline")};
  } else {
    for (const std::string_view name : {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"}) {
      auto value = environment.get(name);
      if (!value) continue;
      auto offline = parse_bool_setting(name, *value);
      if (!offline) return tl::unexpected(offline.error());
      if (*offline) {
        settings.offline = {true, from_environment(std::string(name))};
        break;
      }
    }
  }

  if (overrides.token) {
    settings.token = {*overrides.token, from_flag("--token")};
  } else if (auto value = first_set(environment, {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"})) {
    settings.token = {value->second, from_environment(value->first)};
  } else {
    const auto token_path_value = environment.get_non_empty("HF_TOKEN_PATH");
    const std::filesystem::path token_path =
        token_path_value ? std::filesystem::path(expand_path(*token_path_value, environment))
                         : settings.hf_home.value / "token";
    if (auto token = read_token_file(token_path)) {
      settings.token = {std::move(token), {SettingOrigin::Kind::file, token_path.string()}};
    } else {
      settings.token = {std::nullopt, by_default()};
    }
  }

  for (const std::string_view name :
       {"HF_HUB_DISABLE_TELEMETRY", "DISABLE_TELEMETRY", "DO_NOT_TRACK"}) {
    auto value = environment.get(name);
    if (!value) continue;
    auto disabled = parse_bool_setting(name, *value);
    if (!disabled) return tl::unexpected(disabled.error());
    settings.telemetry_disabled = settings.telemetry_disabled || *disabled;
  }

  settings.request_timeout = {kDefaultRequestTimeout, by_default()};
  if (auto value = environment.get_non_empty("KERNELS_REQUEST_TIMEOUT")) {
    auto timeout = parse_seconds_setting("KERNELS_REQUEST_TIMEOUT", *value);
    if (!timeout) return tl::unexpected(timeout.error());
    settings.request_timeout = {*timeout, from_environment("KERNELS_REQUEST_TIMEOUT")};
  }
  return settings;
}

}  // namespace kernels
