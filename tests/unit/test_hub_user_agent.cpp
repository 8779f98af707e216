// The User-Agent: our name and version always, the system's parts only with telemetry on.

#include <string>

#include <doctest/doctest.h>

#include "kernels/build_info.hpp"
#include "kernels/hub/user_agent.hpp"

using kernels::UserAgentInfo;

TEST_CASE("hub user agent: parts with telemetry on and off") {
  UserAgentInfo info;
  info.version = "1.2.3";
  info.os = "linux";
  info.cpu = "x86_64";
  info.backend = "cu128";
  info.torch_version = "2.8";
  info.glibc_version = "2.36";
  CHECK(kernels::build_user_agent(info, false) ==
        "kernels-cpp/1.2.3; backend/cu128; platform/x86_64-linux; file_type/kernel; torch/2.8; "
        "glibc/2.36");
  CHECK(kernels::build_user_agent(info, true) == "kernels-cpp/1.2.3");

  info.origin = "my-ci";
  CHECK(kernels::build_user_agent(info, true) == "kernels-cpp/1.2.3; origin/my-ci");

  // Unknown parts are left out; the version defaults to this build's.
  UserAgentInfo bare;
  bare.os = "linux";  // no cpu: no platform part
  CHECK(kernels::build_user_agent(bare, false) ==
        std::string("kernels-cpp/") + kernels::kVersion + "; file_type/kernel");

  // A value cannot end the part or the header.
  UserAgentInfo hostile;
  hostile.version = "1;x";
  hostile.origin = "a b\r\nX-Evil: 1";
  CHECK(kernels::build_user_agent(hostile, true) == "kernels-cpp/1_x; origin/a_b__X-Evil:_1");
}

TEST_CASE("hub user agent: from a detected system") {
  kernels::SystemInfo system;
  system.os = "linux";
  system.cpu = "aarch64";
  system.backend = kernels::Backend{kernels::BackendKind::cuda, kernels::MajorMinor{12, 8}};
  system.torch_version = kernels::MajorMinor{2, 9};
  const UserAgentInfo info = kernels::user_agent_info(system);
  CHECK(info.backend == "cu128");
  CHECK(info.torch_version == "2.9");
  CHECK(kernels::build_user_agent(info, false)
            .ends_with("; backend/cu128; platform/aarch64-linux; file_type/kernel; torch/2.9"));
}
