#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/model/specifier.hpp"
#include "kernels/model/version_resolution.hpp"

namespace {

// The tags of `kernels-test/versions` in the reference's v0.9.0 tests (main is 0.2.0).
const std::vector<kernels::GitRef> kVersionTags = {
    {"v0.1.0", "1111111111111111111111111111111111111111"},
    {"v0.1.1", "dc142fd6c9920c993d32be6358b78957c58681c3"},
    {"v0.2.0", "2222222222222222222222222222222222222222"},
    {"main", "2222222222222222222222222222222222222222"},
};

// Its version branches at HEAD: v1, v2 and v10.
const std::vector<kernels::GitRef> kVersionBranches = {
    {"main", "0000000000000000000000000000000000000000"},
    {"v1", "1111111111111111111111111111111111111111"},
    {"v10", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
    {"v2", "f609e51b856b3d874b0ae8445913e200f02c1735"},
};

kernels::SpecifierSet spec(std::string_view text) {
  auto set = kernels::parse_specifier_set(text);
  REQUIRE_MESSAGE(set.has_value(), text);
  return *set;
}

std::string selected_version(std::string_view requirement,
                             const std::vector<kernels::GitRef>& tags = kVersionTags) {
  const auto selected =
      kernels::select_by_specifier(tags, spec(requirement), "kernels-test/versions");
  REQUIRE_MESSAGE(selected.has_value(), requirement);
  return selected->version.to_string();
}

}  // namespace

TEST_CASE("version resolution: the reference's v0.9.0 specifier oracles") {
  CHECK(selected_version("") == "0.2.0");
  CHECK(selected_version("<1.0.0") == "0.2.0");
  CHECK(selected_version("<0.2.0") == "0.1.1");
  CHECK(selected_version(">0.1.0,<0.2.0") == "0.1.1");
  // The v0.9.0 layer_locking fixture: its lock pins v0.1.1's commit dc142fd6...
  const auto layer =
      kernels::select_by_specifier(kVersionTags, spec(">=0.1.0,<0.2.0"), "kernels-test/versions");
  REQUIRE(layer.has_value());
  CHECK(layer->ref.name == "v0.1.1");
  CHECK(layer->ref.target_commit == "dc142fd6c9920c993d32be6358b78957c58681c3");
  CHECK(selected_version(">=0.0.2") == "0.2.0");
}

TEST_CASE("version resolution: no matching tag is not_found with the available versions") {
  const auto none =
      kernels::select_by_specifier(kVersionTags, spec(">0.2.0"), "kernels-test/versions");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == kernels::ErrorCode::not_found);
  CHECK(none.error().message ==
        "No version of `kernels-test/versions` satisfies requirement: >0.2.0; available versions: "
        "0.1.0, 0.1.1, 0.2.0");

  // The requirement is quoted as the user wrote it.
  const auto spaced = kernels::select_by_specifier(kVersionTags, spec(" >= 1.0 , <2"), "org/repo");
  REQUIRE_FALSE(spaced.has_value());
  CHECK(spaced.error().message.starts_with(
      "No version of `org/repo` satisfies requirement:  >= 1.0 , <2; available versions: "));

  const std::vector<kernels::GitRef> no_tags = {{"main", "0"}, {"release", "1"}};
  const auto empty = kernels::select_by_specifier(no_tags, spec(">=1"), "org/repo");
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().message ==
        "No version of `org/repo` satisfies requirement: >=1; the repository has no version tags "
        "(tags named v<version>, e.g. v1.2.0)");
}

TEST_CASE("version resolution: pre-release tags follow packaging's default") {
  const std::vector<kernels::GitRef> tags = {
      {"v1.0.0", "a"}, {"v1.1.0rc1", "b"}, {"v2.0.0.dev1", "c"}, {"v0.9.0", "d"}};
  // A final release matches, so pre-releases are left out.
  CHECK(selected_version(">=1.0", tags) == "1.0.0");
  CHECK(selected_version("", tags) == "1.0.0");
  // The requirement names a pre-release: pre-releases compete with finals.
  CHECK(selected_version(">=1.1.0rc1", tags) == "2.0.0.dev1");
  CHECK(selected_version(">=1.0,<2.0.dev5", tags) == "2.0.0.dev1");
  // Nothing final matches: the newest matching pre-release is taken.
  CHECK(selected_version(">1.0.0", tags) == "2.0.0.dev1");
  CHECK(selected_version("==1.1.*", tags) == "1.1.0rc1");
}

TEST_CASE("version resolution: tags that are not v<version> are skipped") {
  const std::vector<kernels::GitRef> tags = {{"1.5.0", "a"},        {"V1.4.0", "b"},
                                             {"v1.3.0", "c"},       {"vnext", "d"},
                                             {"v1.2-broken!", "e"}, {"release-2.0", "f"}};
  CHECK(selected_version("", tags) == "1.3.0");
  const auto listed = kernels::tag_versions(tags);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].ref.name == "v1.3.0");
}

TEST_CASE("version resolution: equal versions from several tags resolve to the last listed") {
  // `v1.0` and `v1.0.0` are the same version; the reference keeps the tag listed last (a dict
  // keyed by version), so the result depends only on the Hub's listing order.
  const std::vector<kernels::GitRef> tags = {{"v1.0.0", "first"}, {"v0.5", "x"}, {"v1.0", "last"}};
  const auto selected = kernels::select_by_specifier(tags, spec(">=1"), "org/repo");
  REQUIRE(selected.has_value());
  CHECK(selected->ref == kernels::GitRef{"v1.0", "last"});
  const auto listed = kernels::tag_versions(tags);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].ref.name == "v0.5");
  CHECK(listed[1].ref.name == "v1.0");

  const std::vector<kernels::GitRef> reversed = {{"v1.0", "last"}, {"v1.0.0", "first"}};
  CHECK(kernels::select_by_specifier(reversed, spec(""), "org/repo")->ref.target_commit == "first");
}

TEST_CASE("version resolution: tag_versions sorts by PEP 440, not by text") {
  const std::vector<kernels::GitRef> tags = {{"v0.10.0", "a"},
                                             {"v0.9.0", "b"},
                                             {"v0.10.0rc1", "c"},
                                             {"v1!0.1", "d"},
                                             {"v0.9.0.post1", "e"}};
  std::vector<std::string> order;
  for (const auto& tagged : kernels::tag_versions(tags))
    order.push_back(tagged.ref.name);
  CHECK(order ==
        std::vector<std::string>{"v0.9.0", "v0.9.0.post1", "v0.10.0rc1", "v0.10.0", "v1!0.1"});
}

TEST_CASE("version resolution: branch names parse like Python's int()") {
  struct Row {
    std::string_view name;
    std::optional<std::int64_t> major;
  };
  const std::vector<Row> rows = {
      {"v1", 1},
      {"v10", 10},
      {"v0", 0},
      {"v01", 1},
      {"v007", 7},
      {"v1_0", 10},
      {"v+2", 2},
      {"v-1", -1},
      {"v-0", 0},
      {"v 3 ", 3},
      {"v1.0", std::nullopt},
      {"v1_", std::nullopt},
      {"v_1", std::nullopt},
      {"v1__0", std::nullopt},
      {"v", std::nullopt},
      {"V1", std::nullopt},
      {"main", std::nullopt},
      {"1", std::nullopt},
      {"v1a", std::nullopt},
      {"v+", std::nullopt},
      {"v9223372036854775807", INT64_MAX},
      {"v-9223372036854775808", INT64_MIN},
      {"v9223372036854775808", std::nullopt},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    CHECK(kernels::parse_branch_major(row.name) == row.major);
  }
}

TEST_CASE("version resolution: the reference's integer version oracles") {
  const auto one = kernels::select_branch(kVersionBranches, 1, "kernels-test/versions");
  REQUIRE(one.has_value());
  CHECK(one->selected.major == 1);
  CHECK(one->selected.ref.name == "v1");
  CHECK(one->newest_major == 10);
  CHECK(one->newer_available());
  CHECK(kernels::newer_version_warning("kernels-test/versions", one->selected.major,
                                       one->newest_major) ==
        "You are using version 1 of 'kernels-test/versions', but version 10 is available.");

  const auto two = kernels::select_branch(kVersionBranches, 2, "kernels-test/versions");
  REQUIRE(two.has_value());
  CHECK(two->selected.ref.target_commit == "f609e51b856b3d874b0ae8445913e200f02c1735");

  const auto ten = kernels::select_branch(kVersionBranches, 10, "kernels-test/versions");
  REQUIRE(ten.has_value());
  CHECK_FALSE(ten->newer_available());

  const auto zero = kernels::select_branch(kVersionBranches, 0, "kernels-test/versions");
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == kernels::ErrorCode::not_found);
  CHECK(zero.error().message == "Version 0 not found, available versions: 1, 2, 10");
  CHECK(zero.error().location == "kernels-test/versions");
}

TEST_CASE("version resolution: branch lookup is exact, numeric and last-listed on duplicates") {
  const std::vector<kernels::GitRef> branches = {
      {"v01", "old"}, {"v3", "c"}, {"v1", "new"}, {"v1.5", "skipped"}};
  const auto listed = kernels::branch_versions(branches);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].major == 1);
  CHECK(listed[0].ref == kernels::GitRef{"v1", "new"});
  CHECK(listed[1].major == 3);
  // `v01` counts as version 1, as int("01") == 1 in the reference.
  const std::vector<kernels::GitRef> padded = {{"v01", "padded"}};
  CHECK(kernels::select_branch(padded, 1, "org/repo")->selected.ref.name == "v01");

  const auto missing = kernels::select_branch(branches, 2, "org/repo");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message == "Version 2 not found, available versions: 1, 3");

  const std::vector<kernels::GitRef> none = {{"main", "x"}};
  const auto empty = kernels::select_branch(none, 1, "org/repo");
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().message ==
        "Version 1 not found, available versions: none (the repository has no branches named "
        "v<N>, e.g. v1)");
}
