// The kernels.lock format of kernels >= 0.17 (kernels-data's KernelLocks): read, validate, write.
#include <string>
#include <variant>

#include <doctest/doctest.h>

#include "kernels/model/lockfile.hpp"

namespace {

using kernels::ErrorCode;
using kernels::LockFormat;
using kernels::MajorVersion;
using kernels::Revision;

// Written by kernels 0.17.2's KernelLocks.to_json() for relu@1 (a...), activation@revision main
// (b...) and activation@2 (C..., given upper case, stored lower case), inserted in that order.
constexpr std::string_view kReferenceOutput = R"([
  {
    "dependency": {
      "repo-id": "kernels-community/activation",
      "version": 2
    },
    "lock": {
      "commit": "cccccccccccccccccccccccccccccccccccccccc"
    }
  },
  {
    "dependency": {
      "repo-id": "kernels-community/activation",
      "revision": "main"
    },
    "lock": {
      "commit": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    }
  },
  {
    "dependency": {
      "repo-id": "kernels-community/relu",
      "version": 1
    },
    "lock": {
      "commit": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    }
  }
])";

kernels::LockedKernel entry(std::string repo, kernels::Requirement requirement, char digit) {
  return kernels::LockedKernel{std::move(repo), std::string(40, digit), {}, std::move(requirement)};
}

std::string with_entry(std::string_view dependency, std::string_view lock) {
  return R"([{"dependency": )" + std::string(dependency) + R"(, "lock": )" + std::string(lock) +
         "}]";
}

constexpr std::string_view kGoodLock = R"({"commit": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})";

}  // namespace

TEST_CASE(
    "lockfile dependency format: the reference's output parses and re-serializes to the same "
    "bytes") {
  auto lockfile = kernels::parse_lockfile(kReferenceOutput);
  REQUIRE(lockfile);
  CHECK(lockfile->format == LockFormat::dependency_commits);
  REQUIRE(lockfile->kernels.size() == 3);
  CHECK(lockfile->kernels[0].repo_id == "kernels-community/activation");
  CHECK(lockfile->kernels[0].requirement == kernels::Requirement{MajorVersion{2}});
  CHECK(lockfile->kernels[1].requirement == kernels::Requirement{Revision{"main"}});
  CHECK(lockfile->kernels[2].sha == std::string(40, 'a'));
  CHECK(lockfile->kernels[2].variants.empty());
  CHECK(kernels::serialize_lockfile(*lockfile) == kReferenceOutput);
}

TEST_CASE(
    "lockfile dependency format: written sorted by repo, version before revision, then value") {
  kernels::Lockfile lockfile;
  lockfile.format = LockFormat::dependency_commits;
  lockfile.kernels = {entry("kernels-community/relu", MajorVersion{1}, 'a'),
                      entry("kernels-community/activation", Revision{"main"}, 'b'),
                      entry("kernels-community/activation", MajorVersion{2}, 'c')};
  REQUIRE(kernels::validate_lockfile(lockfile));
  CHECK(kernels::serialize_lockfile(lockfile) == kReferenceOutput);

  lockfile.kernels = {entry("org/x", MajorVersion{10}, '1'), entry("org/x", MajorVersion{9}, '2'),
                      entry("org/x", Revision{"v2"}, '3'), entry("org/x", Revision{"main"}, '4')};
  auto reread = kernels::parse_lockfile(kernels::serialize_lockfile(lockfile));
  REQUIRE(reread);
  CHECK(reread->kernels[0].requirement == kernels::Requirement{MajorVersion{9}});
  CHECK(reread->kernels[1].requirement == kernels::Requirement{MajorVersion{10}});
  CHECK(reread->kernels[2].requirement == kernels::Requirement{Revision{"main"}});
  CHECK(reread->kernels[3].requirement == kernels::Requirement{Revision{"v2"}});
}

TEST_CASE("lockfile dependency format: upper-case commits are accepted and lowercased") {
  auto lockfile = kernels::parse_lockfile(
      with_entry(R"({"repo-id": "org/x", "version": 1})",
                 R"({"commit": "ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD"})"));
  REQUIRE(lockfile);
  CHECK(lockfile->kernels[0].sha == "abcdefabcdefabcdefabcdefabcdefabcdefabcd");
}

TEST_CASE("lockfile dependency format: malformed entries name the JSON path") {
  struct Case {
    std::string text;
    std::string location;
    std::string message;
  };
  const Case cases[] = {
      {with_entry(R"({"repo-id": "org/x", "version": 1, "revision": "main"})", kGoodLock),
       "$[0].dependency", "`version` and `revision` are mutually exclusive"},
      {with_entry(R"({"repo-id": "org/x"})", kGoodLock), "$[0].dependency",
       "either `version` or `revision` must be specified"},
      {with_entry(R"({"repo-id": "org/x", "version": "1"})", kGoodLock), "$[0].dependency.version",
       "non-negative integer"},
      {with_entry(R"({"repo-id": "org/x", "version": -1})", kGoodLock), "$[0].dependency.version",
       "non-negative integer"},
      {with_entry(R"({"repo-id": "org/x", "version": 1, "extra": 1})", kGoodLock),
       "$[0].dependency.extra", "unknown field"},
      {with_entry(R"({"repo-id": "org/x", "version": 1})", R"({"commit": "abc1234"})"),
       "$[0].lock.commit", "full commit sha"},
      {with_entry(R"({"repo-id": "not a repo", "version": 1})", kGoodLock),
       "$[0].dependency[\"repo-id\"]", ""},
      {R"([{"dependency": {"repo-id": "org/x", "version": 1}}])", "$[0]",
       "missing the field \"lock\""},
      {R"([{"dependency": {"repo-id": "org/x", "version": 1}, "lock": {"commit": ")" +
           std::string(40, 'a') + R"("}, "sha": "x"}])",
       "$[0].sha", "unknown field"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto lockfile = kernels::parse_lockfile(c.text);
    REQUIRE_FALSE(lockfile);
    CHECK(lockfile.error().code == ErrorCode::invalid_input);
    CHECK(lockfile.error().location == c.location);
    CHECK(lockfile.error().message.find(c.message) != std::string::npos);
  }
}

TEST_CASE("lockfile dependency format: a dependency locked twice is refused") {
  const std::string commit = std::string(40, 'a');
  const std::string one =
      R"({"dependency": {"repo-id": "org/x", "version": 1}, "lock": {"commit": ")" + commit +
      "\"}}";
  auto lockfile = kernels::parse_lockfile("[" + one + ", " + one + "]");
  REQUIRE_FALSE(lockfile);
  CHECK(lockfile.error().message.find("duplicate dependency") != std::string::npos);
  // The same repo at two versions is two dependencies, as in kernels-data.
  const std::string two =
      R"({"dependency": {"repo-id": "org/x", "version": 2}, "lock": {"commit": ")" + commit +
      "\"}}";
  CHECK(kernels::parse_lockfile("[" + one + ", " + two + "]"));
}

TEST_CASE("lockfile dependency format: the formats are not mixed in one file") {
  const std::string legacy_entry =
      R"({"repo_id": "org/y", "sha": ")" + std::string(40, 'b') + R"(", "variants": {}})";
  const std::string text =
      "[" +
      with_entry(R"({"repo-id": "org/x", "version": 1})", kGoodLock).substr(1, std::string::npos);
  auto mixed = kernels::parse_lockfile(text.substr(0, text.size() - 1) + ", " + legacy_entry + "]");
  REQUIRE_FALSE(mixed);
  CHECK(mixed.error().location == "$[1].repo_id");

  kernels::Lockfile lockfile;  // variant_hashes format with a requirement set: refused
  lockfile.kernels = {entry("org/x", MajorVersion{1}, 'a')};
  CHECK_FALSE(kernels::validate_lockfile(lockfile));
}
