#include <string_view>

#include <doctest/doctest.h>

#include "kernels/model/system_info.hpp"

using kernels::MacOsVersion;

TEST_CASE("system info: macOS versions parse and print as reported") {
  const auto short_form = kernels::parse_macos_version("15.7");
  REQUIRE(short_form.has_value());
  CHECK(*short_form == MacOsVersion{15, 7, {}});
  CHECK(kernels::to_string(*short_form) == "15.7");

  const auto long_form = kernels::parse_macos_version("15.7.1");
  REQUIRE(long_form.has_value());
  CHECK(long_form->patch == 1U);
  CHECK(kernels::to_string(*long_form) == "15.7.1");

  for (const std::string_view bad :
       {"", "15", "15.", ".7", "15.7.1.2", "15.x", "15..7", "v15.7", "15.7 ", "1234567890.1"}) {
    CAPTURE(bad);
    CHECK_FALSE(kernels::parse_macos_version(bad).has_value());
  }
}

TEST_CASE("system info: macOS versions compare as release numbers") {
  CHECK(MacOsVersion{15, 7, {}} < MacOsVersion{26, 0, {}});
  CHECK(MacOsVersion{26, 0, {}} == MacOsVersion{26, 0, 0});
  CHECK(MacOsVersion{26, 0, 1} > MacOsVersion{26, 0, {}});
  CHECK(MacOsVersion{15, 10, {}} > MacOsVersion{15, 9, 9});
}
