#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "kernels/model/settings.hpp"

namespace {

using kernels::Environment;
using kernels::ErrorCode;
using kernels::resolve_settings;
using kernels::SettingOrigin;
using kernels::SettingOverrides;

Environment environment(std::map<std::string, std::string, std::less<>> variables) {
  return Environment(std::move(variables));
}

std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("kernels-settings-test-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("settings: defaults come from HOME") {
  auto settings = resolve_settings({}, environment({{"HOME", "/home/u"}}));
  REQUIRE(settings);
  CHECK(settings->endpoint.value == "https://huggingface.co");
  CHECK(settings->endpoint.origin.kind == SettingOrigin::Kind::default_value);
  CHECK(settings->hf_home.value == "/home/u/.cache/huggingface");
  CHECK(settings->cache_dir.value == "/home/u/.cache/huggingface/hub");
  CHECK_FALSE(settings->offline.value);
  CHECK_FALSE(settings->token.value.has_value());
  CHECK_FALSE(settings->telemetry_disabled);
}

TEST_CASE("settings: cache directory precedence flag > KERNELS_CACHE > HF_HUB_CACHE > HF_HOME") {
  auto env = environment({{"HOME", "/home/u"},
                          {"HF_HOME", "/hf"},
                          {"HF_HUB_CACHE", "/hub-cache"},
                          {"KERNELS_CACHE", "/kernels-cache"}});
  SettingOverrides flags;
  flags.cache_dir = "/flag-cache";
  CHECK(resolve_settings(flags, env)->cache_dir.value == "/flag-cache");
  CHECK(resolve_settings(flags, env)->cache_dir.origin.describe() == "--cache-dir");
  CHECK(resolve_settings({}, env)->cache_dir.value == "/kernels-cache");
  env.unset("KERNELS_CACHE");
  CHECK(resolve_settings({}, env)->cache_dir.value == "/hub-cache");
  CHECK(resolve_settings({}, env)->cache_dir.origin.describe() == "$HF_HUB_CACHE");
  env.unset("HF_HUB_CACHE");
  env.set("HUGGINGFACE_HUB_CACHE", "/legacy");
  CHECK(resolve_settings({}, env)->cache_dir.value == "/legacy");
  env.unset("HUGGINGFACE_HUB_CACHE");
  CHECK(resolve_settings({}, env)->cache_dir.value == "/hf/hub");
  env.unset("HF_HOME");
  env.set("XDG_CACHE_HOME", "/xdg");
  CHECK(resolve_settings({}, env)->cache_dir.value == "/xdg/huggingface/hub");
}

TEST_CASE("settings: an empty variable counts as unset") {
  auto settings = resolve_settings(
      {}, environment({{"HOME", "/h"}, {"KERNELS_CACHE", ""}, {"HF_ENDPOINT", ""}}));
  REQUIRE(settings);
  CHECK(settings->cache_dir.value == "/h/.cache/huggingface/hub");
  CHECK(settings->endpoint.value == "https://huggingface.co");
}

TEST_CASE("settings: HF_HOME expands ~ and variables") {
  auto settings = resolve_settings({}, environment({{"HOME", "/home/u"},
                                                    {"HF_HOME", "~/hf-$USER-${TEAM}-$UNKNOWN"},
                                                    {"USER", "ann"},
                                                    {"TEAM", "ml"}}));
  REQUIRE(settings);
  CHECK(settings->hf_home.value == "/home/u/hf-ann-ml-$UNKNOWN");
}

TEST_CASE(
    "settings: endpoint from flag or HF_ENDPOINT, trailing slashes stripped, scheme checked") {
  auto env = environment({{"HOME", "/h"}, {"HF_ENDPOINT", "http://127.0.0.1:8080/"}});
  CHECK(resolve_settings({}, env)->endpoint.value == "http://127.0.0.1:8080");
  SettingOverrides flags;
  flags.endpoint = "https://mirror.example//";
  CHECK(resolve_settings(flags, env)->endpoint.value == "https://mirror.example");
  flags.endpoint = "mirror.example";
  auto bad = resolve_settings(flags, env);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::usage);
  CHECK(bad.error().message.find("mirror.example") != std::string::npos);
  CHECK(bad.error().message.find("--endpoint") != std::string::npos);
}

TEST_CASE("settings: offline from flag, HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE, strictly parsed") {
  CHECK(
      resolve_settings({}, environment({{"HOME", "/h"}, {"HF_HUB_OFFLINE", "1"}}))->offline.value);
  CHECK(resolve_settings({}, environment({{"HOME", "/h"}, {"HF_HUB_OFFLINE", "YES"}}))
            ->offline.value);
  CHECK_FALSE(resolve_settings({}, environment({{"HOME", "/h"}, {"HF_HUB_OFFLINE", "off"}}))
                  ->offline.value);
  CHECK(resolve_settings({}, environment({{"HOME", "/h"}, {"TRANSFORMERS_OFFLINE", "true"}}))
            ->offline.value);
  SettingOverrides flags;
  flags.offline = true;
  CHECK(resolve_settings(flags, environment({{"HOME", "/h"}, {"HF_HUB_OFFLINE", "0"}}))
            ->offline.value);
  auto bad = resolve_settings({}, environment({{"HOME", "/h"}, {"HF_HUB_OFFLINE", "maybe"}}));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("HF_HUB_OFFLINE='maybe'") != std::string::npos);
}

TEST_CASE("settings: token precedence flag > HF_TOKEN > HUGGING_FACE_HUB_TOKEN > token file") {
  const auto home = scratch_dir("token");
  {
    std::ofstream file(home / "token");
    file << "  hf_from_file\r\n";
  }
  auto env = environment({{"HOME", "/h"}, {"HF_HOME", home.string()}});
  auto from_file = resolve_settings({}, env);
  REQUIRE(from_file);
  CHECK(from_file->token.value == "hf_from_file");
  CHECK(from_file->token.origin.kind == SettingOrigin::Kind::file);

  env.set("HUGGING_FACE_HUB_TOKEN", "hf_legacy");
  CHECK(resolve_settings({}, env)->token.value == "hf_legacy");
  env.set("HF_TOKEN", "hf_env");
  CHECK(resolve_settings({}, env)->token.value == "hf_env");
  SettingOverrides flags;
  flags.token = "hf_flag";
  CHECK(resolve_settings(flags, env)->token.value == "hf_flag");

  env.unset("HF_TOKEN");
  env.unset("HUGGING_FACE_HUB_TOKEN");
  env.set("HF_TOKEN_PATH", (home / "missing").string());
  CHECK_FALSE(resolve_settings({}, env)->token.value.has_value());
  std::filesystem::remove_all(home);
}

TEST_CASE("settings: telemetry is disabled by any of its three variables") {
  CHECK(resolve_settings({}, environment({{"HOME", "/h"}, {"DO_NOT_TRACK", "1"}}))
            ->telemetry_disabled);
  CHECK(resolve_settings({}, environment({{"HOME", "/h"}, {"DISABLE_TELEMETRY", "on"}}))
            ->telemetry_disabled);
  CHECK_FALSE(resolve_settings({}, environment({{"HOME", "/h"}, {"HF_HUB_DISABLE_TELEMETRY", "0"}}))
                  ->telemetry_disabled);
}

TEST_CASE("settings: no HOME and nothing else is a clear error") {
  auto settings = resolve_settings({}, environment({}));
  REQUIRE_FALSE(settings);
  CHECK(settings.error().message.find("KERNELS_CACHE") != std::string::npos);
}

TEST_CASE("settings: the cache folder alone needs no HOME when KERNELS_CACHE names it") {
  auto named = kernels::resolve_cache_dir({}, environment({{"KERNELS_CACHE", "/jobs/cache"}}));
  REQUIRE(named);
  CHECK(named->value == "/jobs/cache");
  CHECK(named->origin.name == "KERNELS_CACHE");
  SettingOverrides overrides;
  overrides.cache_dir = "/flag";
  auto flag = kernels::resolve_cache_dir(overrides, environment({}));
  REQUIRE(flag);
  CHECK(flag->value == "/flag");
  auto nothing = kernels::resolve_cache_dir({}, environment({}));
  REQUIRE_FALSE(nothing);
  CHECK(nothing.error().message.find("KERNELS_CACHE") != std::string::npos);
  auto home = kernels::resolve_cache_dir({}, environment({{"HOME", "/h"}}));
  REQUIRE(home);
  CHECK(home->value == std::filesystem::path("/h/.cache/huggingface/hub"));
}

TEST_CASE("settings: redacted tokens never contain the middle of the token") {
  CHECK(kernels::redacted_token("hf_abcdefghijklmnop") == "hf_…mnop");
  CHECK(kernels::redacted_token("short") == "***");
}

TEST_CASE("environment: from_process sees the process's variables") {
  const auto env = Environment::from_process();
  CHECK(env.get("PATH").has_value());
  CHECK_FALSE(env.get("KERNELS_TEST_SURELY_UNSET_VARIABLE").has_value());
}

TEST_CASE("settings: KERNELS_REQUEST_TIMEOUT is seconds, 60 by default, 0 for none") {
  auto defaults = resolve_settings({}, environment({{"HOME", "/home/u"}}));
  REQUIRE(defaults);
  CHECK(defaults->request_timeout.value == std::chrono::seconds(60));
  CHECK(defaults->request_timeout.origin.kind == SettingOrigin::Kind::default_value);

  auto set =
      resolve_settings({}, environment({{"HOME", "/home/u"}, {"KERNELS_REQUEST_TIMEOUT", "2.5"}}));
  REQUIRE(set);
  CHECK(set->request_timeout.value == std::chrono::milliseconds(2500));
  CHECK(set->request_timeout.origin.name == "KERNELS_REQUEST_TIMEOUT");

  CHECK(kernels::parse_seconds_setting("X", "0").value() == std::chrono::milliseconds(0));
  CHECK(kernels::parse_seconds_setting("X", " 90 ").value() == std::chrono::seconds(90));
  CHECK(kernels::parse_seconds_setting("X", "0.125").value() == std::chrono::milliseconds(125));
  for (const char* bad : {"", "-1", "1.", ".5", "1e3", "soon", "86401", "1.5s"}) {
    CAPTURE(bad);
    const auto parsed = kernels::parse_seconds_setting("X", bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().code == ErrorCode::usage);
  }
  auto bad =
      resolve_settings({}, environment({{"HOME", "/home/u"}, {"KERNELS_REQUEST_TIMEOUT", "soon"}}));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("KERNELS_REQUEST_TIMEOUT='soon'") != std::string::npos);
}
