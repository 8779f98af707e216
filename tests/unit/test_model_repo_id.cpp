#include <string>

#include <doctest/doctest.h>

#include "kernels/model/repo_id.hpp"

using kernels::ErrorCode;
using kernels::validate_repo_id;
using kernels::validate_revision;

namespace {

// The message of the error validate_repo_id gives, or "" when the id is valid.
std::string repo_id_error(std::string_view repo_id) {
  const auto result = validate_repo_id(repo_id);
  if (result) return {};
  CHECK(result.error().code == ErrorCode::invalid_input);
  CHECK(result.error().location.empty());
  return result.error().message;
}

}  // namespace

TEST_CASE("repo id: accepts Hub ids") {
  for (const char* id : {"kernels-community/relu", "kernels-test/versions", "a/b", "A_b/c.d-e_f",
                         "org/flash-attn2", "_org/_name_", "0/9"}) {
    CAPTURE(id);
    CHECK(repo_id_error(id).empty());
  }
  const std::string longest = std::string(47, 'a') + "/" + std::string(48, 'b');
  CHECK(longest.size() == 96);
  CHECK(repo_id_error(longest).empty());
}

TEST_CASE("repo id: needs exactly one slash with both sides") {
  CHECK(repo_id_error("").find("is empty") != std::string::npos);
  CHECK(repo_id_error("relu").find("expected the form 'org/name'") != std::string::npos);
  CHECK(repo_id_error("a/b/c").find("more than one '/'") != std::string::npos);
  CHECK(repo_id_error("/relu").find("the namespace is empty") != std::string::npos);
  CHECK(repo_id_error("org/").find("the name is empty") != std::string::npos);
}

TEST_CASE("repo id: rejects characters the Hub does not allow") {
  CHECK(repo_id_error("org/re lu").find("character ' ' is not allowed") != std::string::npos);
  CHECK(repo_id_error("org/relu@v1").find("character '@'") != std::string::npos);
  CHECK(repo_id_error("org\\x/relu").find("character '\\'") != std::string::npos);
  CHECK(repo_id_error("org/r\xc3\xa9lu").find("is not allowed") != std::string::npos);
}

TEST_CASE("repo id: no leading or trailing dash or dot, no double dash or dot, no .git") {
  CHECK(repo_id_error("-org/relu").find("namespace must not start or end") != std::string::npos);
  CHECK(repo_id_error("org./relu").find("namespace must not start or end") != std::string::npos);
  CHECK(repo_id_error("org/.relu").find("name must not start or end") != std::string::npos);
  CHECK(repo_id_error("org/relu-").find("name must not start or end") != std::string::npos);
  CHECK(repo_id_error("org/re--lu").find("'--' and '..'") != std::string::npos);
  CHECK(repo_id_error("o..rg/relu").find("'--' and '..'") != std::string::npos);
  CHECK(repo_id_error("org/relu.git").find("'.git'") != std::string::npos);
}

TEST_CASE("repo id: at most 96 characters") {
  const std::string too_long = std::string(48, 'a') + "/" + std::string(48, 'b');
  CHECK(repo_id_error(too_long).find("97 characters, the Hub allows at most 96") !=
        std::string::npos);
}

TEST_CASE("revision: branch, tag or sha, nothing empty or with spaces") {
  CHECK(validate_revision("main"));
  CHECK(validate_revision("v1.2.3"));
  CHECK(validate_revision("refs/pr/1"));
  CHECK(validate_revision("f609e51b856b3d874b0ae8445913e200f02c1735"));
  const auto empty = validate_revision("");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == ErrorCode::invalid_input);
  CHECK(empty.error().message.find("revision is empty") != std::string::npos);
  const auto spaced = validate_revision("my branch");
  REQUIRE_FALSE(spaced);
  CHECK(spaced.error().message.find("whitespace or a control character") != std::string::npos);
  CHECK_FALSE(validate_revision(std::string("a\0b", 3)));
  CHECK_FALSE(validate_revision("tab\there"));
}
