#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/model/version.hpp"

// Expected values below were checked against Python's packaging 26.3 (`str(Version(text))`).

namespace {

kernels::Version v(std::string_view text) {
  auto version = kernels::parse_version(text);
  REQUIRE_MESSAGE(version.has_value(), text);
  return *version;
}

}  // namespace

TEST_CASE("version: lenient spellings normalize as packaging prints them") {
  struct Row {
    std::string_view text;
    std::string_view normalized;
  };
  const std::vector<Row> rows = {
      {"1.2.3", "1.2.3"},
      {"01.02.003", "1.2.3"},
      {"v1.0", "1.0"},
      {"V1.0", "1.0"},
      {"  1.0\t", "1.0"},
      {"1!2.0", "1!2.0"},
      {"0!1.0", "1.0"},
      {"1.0a1", "1.0a1"},
      {"1.0alpha1", "1.0a1"},
      {"1.0-ALPHA.1", "1.0a1"},
      {"1.0beta2", "1.0b2"},
      {"1.0_b_2", "1.0b2"},
      {"1.0c1", "1.0rc1"},
      {"1.0pre1", "1.0rc1"},
      {"1.0preview", "1.0rc0"},
      {"1.0RC1", "1.0rc1"},
      {"1.0a", "1.0a0"},
      {"1.0a-", "1.0a0"},
      {"1.0a-1", "1.0a1"},
      {"1.0.post1", "1.0.post1"},
      {"1.0post1", "1.0.post1"},
      {"1.0-1", "1.0.post1"},
      {"1.0-r1", "1.0.post1"},
      {"1.0rev", "1.0.post0"},
      {"1.0.post", "1.0.post0"},
      {"1.0post-1", "1.0.post1"},
      {"1.0a1-1", "1.0a1.post1"},
      {"1.0.dev", "1.0.dev0"},
      {"1.0-dev3", "1.0.dev3"},
      {"1.0.post.dev1", "1.0.post0.dev1"},
      {"1.0+abc.007", "1.0+abc.7"},
      {"1.0+ABC-1_x", "1.0+abc.1.x"},
      {"1.0rc1.post2.dev3+ubuntu.4", "1.0rc1.post2.dev3+ubuntu.4"},
      {"20240101", "20240101"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    const auto version = kernels::parse_version(row.text);
    REQUIRE(version.has_value());
    CHECK(version->to_string() == row.normalized);
  }
}

TEST_CASE("version: malformed text is an invalid_input error that shows a valid form") {
  for (const std::string_view text :
       {"",         " ",    "v",        "vv1.0", "1.0-",  "1.0.",      ".1",
        "1..0",     "1.0+", "1.0+a..b", "1.0.*", "1.0_1", "1.0a1.2",   "1.0 a1",
        "1.0devel", "abc",  "1.0+a+b",  "-1.0",  "1,0",   "1.0-rc1-1-"}) {
    CAPTURE(text);
    const auto version = kernels::parse_version(text);
    REQUIRE_FALSE(version.has_value());
    CHECK(version.error().code == kernels::ErrorCode::invalid_input);
    CHECK(version.error().message.find("such as 1.2.3") != std::string::npos);
  }
  const auto trailing = kernels::parse_version("1.0.0-beta!");
  REQUIRE_FALSE(trailing.has_value());
  CHECK(trailing.error().message.find("unexpected '!' at position 11") != std::string::npos);
}

TEST_CASE("version: numbers beyond 64 bits are rejected, leading zeros are not") {
  CHECK(v("18446744073709551615").release().front() == 18446744073709551615ULL);
  CHECK(v("000000000000000000000000001").to_string() == "1");
  CHECK_FALSE(kernels::parse_version("18446744073709551616").has_value());
  CHECK_FALSE(kernels::parse_version("1.0.post99999999999999999999").has_value());
  CHECK_FALSE(kernels::parse_version("1.0+99999999999999999999").has_value());
}

TEST_CASE("version: parts are exposed after normalization") {
  const auto version = v("2!1.2.3rc4.post5.dev6+Ubuntu.7");
  CHECK(version.epoch() == 2);
  CHECK(version.release() == std::vector<std::uint64_t>{1, 2, 3});
  REQUIRE(version.pre().has_value());
  CHECK(version.pre()->kind == kernels::PreReleaseKind::release_candidate);
  CHECK(version.pre()->number == 4);
  CHECK(version.post() == 5U);
  CHECK(version.dev() == 6U);
  REQUIRE(version.local().size() == 2);
  CHECK(std::get<std::string>(version.local()[0]) == "ubuntu");
  CHECK(std::get<std::uint64_t>(version.local()[1]) == 7);
  CHECK(version.without_local().to_string() == "2!1.2.3rc4.post5.dev6");
}

TEST_CASE("version: pre-release means a/b/rc or dev, as in PEP 440") {
  CHECK(v("1.0a1").is_prerelease());
  CHECK(v("1.0.dev0").is_prerelease());
  CHECK(v("1.0.post1.dev0").is_prerelease());
  CHECK_FALSE(v("1.0").is_prerelease());
  CHECK_FALSE(v("1.0.post1").is_prerelease());
  CHECK_FALSE(v("1.0+local").is_prerelease());
  CHECK(v("1.0.post1").is_postrelease());
  CHECK(v("1.0.dev1").is_devrelease());
  CHECK(v("1.0+x").has_local());
}

TEST_CASE("version: PEP 440 ordering of a sorted list") {
  // PEP 440's example ordering, extended with epochs, local labels and longer releases.
  const std::vector<std::string_view> sorted = {"0.dev0",
                                                "0",
                                                "0.1",
                                                "0.9.9",
                                                "1.dev0",
                                                "1.0.dev456",
                                                "1.0a1",
                                                "1.0a2.dev456",
                                                "1.0a12.dev456",
                                                "1.0a12",
                                                "1.0b1.dev456",
                                                "1.0b2",
                                                "1.0b2.post345.dev456",
                                                "1.0b2.post345",
                                                "1.0rc1.dev456",
                                                "1.0rc1",
                                                "1.0",
                                                "1.0+abc",
                                                "1.0+abc.5",
                                                "1.0+abc.7",
                                                "1.0+abc.10",
                                                "1.0+abd",
                                                "1.0+5",
                                                "1.0+5.abc",
                                                "1.0+10",
                                                "1.0.post456.dev34",
                                                "1.0.post456",
                                                "1.0.post456+local",
                                                "1.0.15",
                                                "1.1.dev1",
                                                "1.1",
                                                "1.2.3",
                                                "1.10",
                                                "2.0rc1",
                                                "2.0",
                                                "2.0.0.1",
                                                "10.0",
                                                "2013.10",
                                                "2024.1.1",
                                                "1!0.dev1",
                                                "1!0.1",
                                                "1!1.0",
                                                "2!0.0.1"};
  std::vector<kernels::Version> versions;
  for (const auto text : sorted)
    versions.push_back(v(text));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    for (std::size_t j = 0; j < versions.size(); ++j) {
      CAPTURE(sorted[i]);
      CAPTURE(sorted[j]);
      CHECK(((versions[i] <=> versions[j]) == (i <=> j)));
      CHECK((versions[i] == versions[j]) == (i == j));
    }
  }
}

TEST_CASE("version: trailing zeros and spellings do not change equality") {
  CHECK(v("1.0") == v("1.0.0"));
  CHECK(v("1") == v("1.0.0.0"));
  CHECK(v("1.0a1") == v("1.0.0alpha1"));
  CHECK(v("1.0+abc.1") == v("1.0.0+ABC-01"));
  CHECK(v("0!1.0") == v("1.0"));
  CHECK(v("1.0") != v("1.0+0"));
  CHECK(v("1.0") != v("1.0.post0"));
  CHECK(v("1.0.dev0") < v("1.0a0"));
  // Equal versions keep their own spelling when printed.
  CHECK(v("1.0.0").to_string() == "1.0.0");
}

TEST_CASE("version: from_parts checks its input") {
  kernels::VersionParts parts;
  CHECK_FALSE(kernels::Version::from_parts(parts).has_value());
  parts.release = {1, 2};
  parts.local = {kernels::LocalSegment{std::string("ubuntu")}, kernels::LocalSegment{3ULL}};
  const auto version = kernels::Version::from_parts(parts);
  REQUIRE(version.has_value());
  CHECK(version->to_string() == "1.2+ubuntu.3");
  for (const char* bad : {"", "Ubuntu", "12", "a.b", "a-b"}) {
    CAPTURE(bad);
    parts.local = {kernels::LocalSegment{std::string(bad)}};
    CHECK_FALSE(kernels::Version::from_parts(parts).has_value());
  }
}

TEST_CASE("version: Hub tags name versions only as v<version>") {
  REQUIRE(kernels::parse_tag_version("v1.2.0rc1").has_value());
  CHECK(kernels::parse_tag_version("v1.2.0rc1")->to_string() == "1.2.0rc1");
  CHECK(kernels::parse_tag_version("v0.1.0")->to_string() == "0.1.0");
  // The rest after `v` is read like any version, so a second `v` is fine (packaging accepts it).
  CHECK(kernels::parse_tag_version("vv1.0")->to_string() == "1.0");
  for (const std::string_view skipped :
       {"", "v", "1.0.0", "V1.0", "release-1.0", "v1.0-beta!", "vnext", "main"}) {
    CAPTURE(skipped);
    CHECK_FALSE(kernels::parse_tag_version(skipped).has_value());
  }
}
