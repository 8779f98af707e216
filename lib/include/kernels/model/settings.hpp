#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "kernels/error.hpp"
#include "kernels/util/environment.hpp"

namespace kernels {

// Where a setting's value came from, so that `kernels info --system` and error messages can say it.
struct SettingOrigin {
  enum class Kind { flag, environment, file, default_value };
  Kind kind = Kind::default_value;
  std::string name;  // "--endpoint", "HF_ENDPOINT", the token file's path, or "default"

  [[nodiscard]] std::string describe() const;
};

template <class T>
struct Setting {
  T value{};
  SettingOrigin origin;
};

// What the command line says; unset means "not given".
struct SettingOverrides {
  std::optional<std::string> endpoint;
  std::optional<std::string> token;
  std::optional<std::filesystem::path> cache_dir;
  std::optional<bool> offline;  // only ever true from --offline
};

// Every setting the tool reads, resolved once with the precedence flag > environment > file >
// default. The table of sources (hub-api.md section 5, kernels-spec.md section 7):
//
//   setting     flag         environment (first set wins)                      default
//   endpoint    --endpoint   HF_ENDPOINT https://huggingface.co token       --token      HF_TOKEN,
//   HUGGING_FACE_HUB_TOKEN, then the file    none
//                            HF_TOKEN_PATH (default $HF_HOME/token)
//   offline     --offline    HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE               false
//   cache_dir   --cache-dir  KERNELS_CACHE, HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE   $HF_HOME/hub
//   hf_home     -            HF_HOME, $XDG_CACHE_HOME/huggingface ~/.cache/huggingface telemetry -
//   HF_HUB_DISABLE_TELEMETRY, DISABLE_TELEMETRY,       enabled
//                            DO_NOT_TRACK
//   request_timeout  -       KERNELS_REQUEST_TIMEOUT (seconds, 0: none)        60 s
struct Settings {
  Setting<std::string> endpoint;              // no trailing '/'
  Setting<std::optional<std::string>> token;  // never printed; see redacted_token()
  Setting<bool> offline;
  Setting<std::filesystem::path> cache_dir;
  Setting<std::filesystem::path> hf_home;
  bool telemetry_disabled = false;
  // The deadline of one Hub API request (refs, info, trees, metadata files), retries included;
  // zero: none. Downloads have none (HttpSettings::request_deadline).
  Setting<std::chrono::milliseconds> request_timeout;
};

inline constexpr std::chrono::milliseconds kDefaultRequestTimeout{60'000};

inline constexpr const char* kDefaultEndpoint = "https://huggingface.co";

// Resolves every setting. Errors: a malformed endpoint URL, a boolean variable that is neither
// true nor false (1/0, true/false, yes/no, on/off; case-insensitive), no HOME to put the cache in.
[[nodiscard]] Result<Settings> resolve_settings(const SettingOverrides& overrides,
                                                const Environment& environment);

// The cache folder alone, by the rules of resolve_settings: for readers of the cache (the loader)
// that must not read the token file or need the endpoint.
[[nodiscard]] Result<Setting<std::filesystem::path>> resolve_cache_dir(
    const SettingOverrides& overrides, const Environment& environment);

// Parses a duration in seconds ("60", "2.5", "0"), at most a day, to milliseconds; `name` is used
// in the error message (ErrorCode::usage).
[[nodiscard]] Result<std::chrono::milliseconds> parse_seconds_setting(std::string_view name,
                                                                      std::string_view value);

// Parses a boolean environment value strictly; `name` is used in the error message.
[[nodiscard]] Result<bool> parse_bool_setting(std::string_view name, std::string_view value);

// "hf_…abcd" style: enough to tell tokens apart in diagnostics, never the token itself.
[[nodiscard]] std::string redacted_token(std::string_view token);

}  // namespace kernels
