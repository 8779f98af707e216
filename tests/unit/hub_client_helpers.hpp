#pragma once

// Settings and a HubClient for the tests that run HubClient against a FakeHub.

#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "kernels/hub/hub_client.hpp"
#include "kernels/model/settings.hpp"

#include "hub_test_server.hpp"

namespace kernels::testing {

inline constexpr std::string_view kTestToken = "hf_SecretTestToken0123456789";

inline Settings hub_settings(std::string endpoint, std::optional<std::string> token = {},
                             bool offline = false) {
  Settings settings;
  settings.endpoint.value = std::move(endpoint);
  settings.token.value = std::move(token);
  settings.offline.value = offline;
  return settings;
}

inline HubClient make_hub_client(const Settings& settings) {
  HubClientOptions options;
  options.http = fast_test_settings();
  options.user_agent.version = "9.9.9";
  options.user_agent.os = "linux";
  options.user_agent.cpu = "x86_64";
  options.user_agent.backend = "cpu";
  auto client = HubClient::create(settings, std::move(options));
  REQUIRE(client.has_value());
  return std::move(*client);
}

}  // namespace kernels::testing
