// Malformed lockfiles: each case checks the error kind, the JSON path and what the message says.

#include <string>

#include <doctest/doctest.h>

#include "kernels/model/lockfile.hpp"

using kernels::ErrorCode;
using kernels::LockedKernel;
using kernels::LockedVariant;
using kernels::Lockfile;
using kernels::VariantLock;

namespace {

const std::string kSha(40, 'a');
const std::string kHash = "sha256-" + std::string(64, 'b');

// A kernel entry as JSON text; `variants` is the text of the "variants" value.
std::string entry(const std::string& repo_id, const std::string& sha, const std::string& variants) {
  return R"({"repo_id": ")" + repo_id + R"(", "sha": ")" + sha + R"(", "variants": )" + variants +
         "}";
}

// `[<entries>]`, built by appending (GCC 12 warns falsely on "[" + ... + "]" at -O3).
std::string array_of(const std::string& entries) {
  std::string text = "[";
  text += entries;
  text += ']';
  return text;
}

std::string one_variant(const std::string& name, const std::string& body) {
  return "{\"" + name + "\": " + body + "}";
}

std::string hash_body(const std::string& hash) {
  return R"({"hash": ")" + hash + R"(", "hash_type": "git_lfs_concat"})";
}

struct Expected {
  std::string location;
  std::string fragment;
};

void check_error(const std::string& text, const Expected& expected,
                 std::string_view file_name = {}) {
  CAPTURE(text);
  const auto result = kernels::parse_lockfile(text, file_name);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_input);
  CHECK(result.error().location == expected.location);
  CHECK_MESSAGE(result.error().message.find(expected.fragment) != std::string::npos,
                result.error().message);
}

}  // namespace

TEST_CASE("lockfile validation: the top level must be an array of objects") {
  check_error("{}", {"$", "expected a JSON array of locked kernels, found an object"});
  check_error("\"x\"", {"$", "found a string"});
  check_error("[1]", {"$[0]",
                      "expected an object with \"repo_id\", \"sha\" and \"variants\", "
                      "found a number"});
  check_error("[" + entry("org/a", kSha, "{}") + ", null]", {"$[1]", "found null"});
  CHECK(kernels::parse_lockfile("[]").has_value());
}

TEST_CASE("lockfile validation: missing fields name the entry and the field") {
  check_error(R"([{"sha": ")" + kSha + R"(", "variants": {}}])",
              {"$[0]", "missing the field \"repo_id\""});
  check_error("[" + entry("org/a", kSha, "{}") + R"(, {"repo_id": "org/b", "variants": {}}])",
              {"$[1]", "missing the field \"sha\""});
  check_error(R"([{"repo_id": "org/a", "sha": ")" + kSha + R"("}])",
              {"$[0]", "missing the field \"variants\""});
  check_error("[" + entry("org/a", kSha, one_variant("torch-cpu", R"({"hash_type": "x"})")) + "]",
              {R"($[0].variants["torch-cpu"])", "missing the field \"hash\""});
}

TEST_CASE("lockfile validation: mistyped fields name the field and both types") {
  check_error(R"([{"repo_id": 5, "sha": ")" + kSha + R"(", "variants": {}}])",
              {"$[0].repo_id", "expected a repo id string, found a number"});
  check_error(
      "[" + entry("org/a", kSha, "{}") + R"(, {"repo_id": "org/b", "sha": null, "variants": {}}])",
      {"$[1].sha", "expected a commit sha string, found null"});
  check_error("[" + entry("org/a", kSha, "[]") + "]",
              {"$[0].variants",
               "expected an object mapping variant names to hashes, found an "
               "array"});
  check_error("[" + entry("org/a", kSha, one_variant("torch-cpu", "\"" + kHash + "\"")) + "]",
              {R"($[0].variants["torch-cpu"])", "expected an object with \"hash\""});
  check_error("[" + entry("org/a", kSha, one_variant("torch-cpu", R"({"hash": 1})")) + "]",
              {R"($[0].variants["torch-cpu"].hash)", "found a number"});
  check_error(
      "[" +
          entry("org/a", kSha,
                one_variant("torch-cpu", R"({"hash": ")" + kHash + R"(", "hash_type": false})")) +
          "]",
      {R"($[0].variants["torch-cpu"].hash_type)", "found a boolean"});
}

TEST_CASE("lockfile validation: a hash is sha256- and 64 lowercase hex digits") {
  for (const std::string& bad :
       {std::string("sha256-") + std::string(63, 'b'),
        std::string("sha256-") + std::string(65, 'b'),
        std::string("sha256-") + std::string(64, 'B'),
        std::string("sha256-") + std::string(64, 'g'),
        std::string("sha512-") + std::string(64, 'b'), std::string(64, 'b'), std::string(""),
        std::string("sha256-1CM0MGEOCqqnYV989jcUANEbiB727JftjXTdQVUHPwk=")}) {
    check_error(array_of(entry("org/a", kSha, one_variant("torch-cpu", hash_body(bad)))),
                {R"($[0].variants["torch-cpu"].hash)",
                 "expected \"sha256-\" followed by 64 lowercase hex digits"});
  }
}

TEST_CASE("lockfile validation: a sha is a full lowercase commit id, SHA-1 or SHA-256") {
  check_error("[" + entry("org/a", std::string(39, 'a'), "{}") + "]",
              {"$[0].sha", "expected a full commit sha (40 lowercase hex digits, or 64"});
  check_error("[" + entry("org/a", std::string(41, 'a'), "{}") + "]",
              {"$[0].sha", "expected a full commit sha"});
  check_error("[" + entry("org/a", std::string(40, 'z'), "{}") + "]",
              {"$[0].sha", "expected a full commit sha"});
  check_error("[" + entry("org/a", "main", "{}") + "]", {"$[0].sha", "found \"main\""});
  check_error("[" + entry("org/a", std::string(40, 'A'), "{}") + "]",
              {"$[0].sha", "must be lowercase hex"});
  CHECK(kernels::parse_lockfile("[" + entry("org/a", std::string(64, 'c'), "{}") + "]"));
}

TEST_CASE("lockfile validation: only the git_lfs_concat hash type exists") {
  check_error("[" +
                  entry("org/a", kSha,
                        one_variant("torch-cpu",
                                    R"({"hash": ")" + kHash + R"(", "hash_type": "sha256"})")) +
                  "]",
              {R"($[0].variants["torch-cpu"].hash_type)",
               "unknown hash type \"sha256\"; the only supported hash type is \"git_lfs_concat\""});
}

TEST_CASE("lockfile validation: a variant without hash_type gets git_lfs_concat, as in Python") {
  const auto lockfile = kernels::parse_lockfile(
      "[" + entry("org/a", kSha, one_variant("torch-cpu", R"({"hash": ")" + kHash + "\"}")) + "]");
  REQUIRE_MESSAGE(lockfile.has_value(), lockfile.error().describe());
  CHECK(lockfile->kernels[0].variants[0].lock.hash_type == "git_lfs_concat");
}

TEST_CASE("lockfile validation: unknown keys are rejected in a variant, dropped on a kernel") {
  check_error(
      "[" +
          entry("org/a", kSha,
                one_variant("torch-cpu", R"({"hash": ")" + kHash +
                                             R"(", "size": 12, "hash_type": "git_lfs_concat"})")) +
          "]",
      {R"($[0].variants["torch-cpu"].size)",
       "unknown field \"size\" in a variant entry; only \"hash\" and \"hash_type\""});

  const std::string with_extra = R"([{"repo_id": "org/a", "note": {"x": [1]}, "sha": ")" + kSha +
                                 R"(", "variants": {}, "version": 2}])";
  const auto lockfile = kernels::parse_lockfile(with_extra);
  REQUIRE_MESSAGE(lockfile.has_value(), lockfile.error().describe());
  CHECK(kernels::serialize_lockfile(*lockfile).find("note") == std::string::npos);
  CHECK(kernels::serialize_lockfile(*lockfile).find("version") == std::string::npos);
}

TEST_CASE("lockfile validation: a repo is locked once") {
  check_error("[" + entry("org/a", kSha, "{}") + ", " + entry("org/b", kSha, "{}") + ", " +
                  entry("org/a", kSha, "{}") + "]",
              {"$[2].repo_id", "repo 'org/a' is locked twice (first at $[0])"});
}

TEST_CASE("lockfile validation: repo ids follow the Hub's rules") {
  check_error("[" + entry("relu", kSha, "{}") + "]",
              {"$[0].repo_id", "invalid repo id 'relu': expected the form 'org/name'"});
  check_error("[" + entry("org/../x", kSha, "{}") + "]", {"$[0].repo_id", "more than one '/'"});
}

TEST_CASE("lockfile validation: variant names cannot leave build/") {
  struct Case {
    std::string json_name;  // as written inside the JSON string
    std::string path;
    std::string fragment;
  };
  for (const Case& bad : {
           Case{"", R"($[0].variants[""])", "the variant name is empty"},
           Case{"../x", R"($[0].variants["../x"])", "'..'"},
           Case{"..", R"($[0].variants[".."])", "'..'"},
           Case{".", R"($[0].variants["."])", "'.'"},
           Case{"torch/cpu", R"($[0].variants["torch/cpu"])", "'/'"},
           Case{R"(torch\\cpu)", R"($[0].variants["torch\\cpu"])", "'\\'"},
           Case{R"(a\u0000b)", R"($[0].variants["a\u0000b"])", "control characters"},
           Case{R"(a\nb)", R"($[0].variants["a\nb"])", "control characters"},
       }) {
    check_error(array_of(entry("org/a", kSha, one_variant(bad.json_name, hash_body(kHash)))),
                {bad.path, bad.fragment});
  }
}

TEST_CASE("lockfile validation: a key given twice in one object is refused") {
  check_error("[" +
                  entry("org/a", kSha,
                        "{\"torch-cpu\": " + hash_body(kHash) +
                            ", \"torch-cpu\": " + hash_body(kHash) + "}") +
                  "]",
              {"$[0].variants", "the key \"torch-cpu\" appears twice in this object"});
  check_error(
      R"([{"repo_id": "org/a", "repo_id": "org/b", "sha": ")" + kSha + R"(", "variants": {}}])",
      {"$[0]", "the key \"repo_id\" appears twice"});
}

TEST_CASE("lockfile validation: JSON syntax errors give line and column") {
  check_error("[\n  {\"repo_id\": \"org/a\",\n   \"sha\": x}\n]",
              {"3:11", "the lockfile is not valid JSON (syntax error while parsing value"});
  check_error("[\n  {\"repo_id\": \"org/a\",\n   \"sha\": x}\n]",
              {"kernels.lock:3:11", "invalid literal"}, "kernels.lock");
  check_error("", {"1:1", "unexpected end of input"});
  check_error("[1, 2", {"1:6", "expected ']'"});
  check_error("[] []", {"1:4", "expected end of input"});
  check_error("[\"\xff\"]", {"1:3", "ill-formed UTF-8"});
}

TEST_CASE("lockfile validation: file_name prefixes every JSON path") {
  check_error("[" + entry("org/a", "abc", "{}") + "]", {"kernels.lock: $[0].sha", "found \"abc\""},
              "kernels.lock");
  check_error("{}", {"dir/kernels.lock: $", "expected a JSON array"}, "dir/kernels.lock");
}

TEST_CASE("lockfile validation: sizes and nesting are bounded") {
  const std::string huge(kernels::kMaxLockfileBytes + 1, ' ');
  check_error(huge, {"", "a lockfile may have"});
  check_error(std::string(100, '[') + std::string(100, ']'),
              {"1:17", "nested more than 16 levels deep"});
  check_error("[\n" + std::string(15, '{') + R"("a": "[[[{{{", "b": {)",
              {"2:36", "nested more than 16 levels deep"}, "");
  // Millions of levels are refused before the parser builds them.
  check_error(std::string(std::size_t{8} * 1024 * 1024, '['), {"1:17", "nested more than"});
}

TEST_CASE("lockfile validation: validate_lockfile checks a lockfile built in code") {
  Lockfile lockfile;
  lockfile.kernels.push_back(
      LockedKernel{"org/a",
                   kSha,
                   {LockedVariant{"torch-cpu", VariantLock{kHash, "git_lfs_concat"}},
                    LockedVariant{"torch-cpu", VariantLock{kHash, "git_lfs_concat"}}},
                   std::nullopt});
  const auto twice = kernels::validate_lockfile(lockfile);
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().code == ErrorCode::invalid_input);
  CHECK(twice.error().location == R"($[0].variants["torch-cpu"])");
  CHECK(twice.error().message.find("listed twice for repo 'org/a'") != std::string::npos);

  lockfile.kernels[0].variants.pop_back();
  CHECK(kernels::validate_lockfile(lockfile).has_value());
  lockfile.kernels[0].variants[0].lock.hash_type = "";
  const auto no_type = kernels::validate_lockfile(lockfile, "kernels.lock");
  REQUIRE_FALSE(no_type.has_value());
  CHECK(no_type.error().location == R"(kernels.lock: $[0].variants["torch-cpu"].hash_type)");
}
