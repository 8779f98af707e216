// Parsing the Hub's JSON answers about a repo (refs, info) and an organization, from the literal
// bodies of hub-api.md, and what happens with bodies that are not the Hub's.

#include <cctype>
#include <string>

#include <doctest/doctest.h>

#include "kernels/hub/hub_responses.hpp"

#include "hub_api_fixtures.hpp"

using kernels::ErrorCode;
using kernels::GitRef;
using kernels::RepoRef;
using kernels::RepoType;
using kernels::testing::kCommit;
using kernels::testing::make_response;

namespace {

const RepoRef kRepo{"kernels-community/relu", RepoType::kernel};
constexpr const char* kRefsUrl = "http://127.0.0.1:8080/api/kernels/kernels-community/relu/refs";

kernels::Error refs_error(std::string body) {
  const auto refs = kernels::parse_refs(make_response(200, std::move(body)), kRepo);
  REQUIRE_FALSE(refs.has_value());
  return refs.error();
}

std::string ref_json(std::string_view name, std::string_view commit) {
  return R"({"name":")" + std::string(name) + R"(","targetCommit":")" + std::string(commit) +
         R"("})";
}

}  // namespace

TEST_CASE("hub responses: refs from the literal answer of hub-api.md 2.1") {
  const auto refs =
      kernels::parse_refs(make_response(200, std::string(kernels::testing::kRefsJson)), kRepo);
  REQUIRE(refs.has_value());
  const std::string sha(kCommit);
  CHECK(refs->repo == kRepo);
  CHECK(refs->branches == std::vector<GitRef>{{"main", sha}, {"v1", sha}});
  CHECK(refs->tags == std::vector<GitRef>{{"v1.0", sha}});
  CHECK(refs->converts.empty());
}

TEST_CASE("hub responses: refs shape and values are checked") {
  const std::string sha(kCommit);
  // converts may be missing; branches and tags may not.
  const auto no_converts = kernels::parse_refs(
      make_response(200, R"({"branches":[)" + ref_json("v2", sha) + R"(],"tags":[]})"), kRepo);
  REQUIRE(no_converts.has_value());
  CHECK(no_converts->branches.size() == 1);

  auto error = refs_error(R"({"tags":[]})");
  CHECK(error.code == ErrorCode::network);
  CHECK(error.message.find("$.branches must be an array, but it is missing") != std::string::npos);
  CHECK(error.message.find("kernels-community/relu") != std::string::npos);
  CHECK(error.location == kRefsUrl);

  error = refs_error(R"({"branches":[{"name":1,"targetCommit":"x"}],"tags":[]})");
  CHECK(error.code == ErrorCode::network);
  CHECK(error.message.find("$.branches[0].name must be a string, not a number") !=
        std::string::npos);

  // Unsafe values are refused as invalid input.
  error = refs_error(R"({"branches":[)" + ref_json("v1", "not-a-commit") + R"(],"tags":[]})");
  CHECK(error.code == ErrorCode::invalid_input);
  CHECK(error.message.find("targetCommit 'not-a-commit' is not a 40-digit commit id") !=
        std::string::npos);
  error = refs_error(R"({"branches":[)" + ref_json("v1\\nx", sha) + R"(],"tags":[]})");
  CHECK(error.code == ErrorCode::invalid_input);
  CHECK(error.message.find("refusing ref 'v1\\x0ax'") != std::string::npos);

  // Commit ids come back in lowercase.
  std::string upper = sha;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto normalized = kernels::parse_refs(
      make_response(200, R"({"branches":[],"tags":[)" + ref_json("v1.0", upper) + "]}"), kRepo);
  REQUIRE(normalized.has_value());
  CHECK(normalized->tags.front().target_commit == sha);
}

TEST_CASE("hub responses: malformed JSON is a network error naming the URL") {
  auto error = refs_error("{\"branches\": [");
  CHECK(error.code == ErrorCode::network);
  CHECK(error.location == kRefsUrl);
  CHECK(error.message.find("malformed JSON from the Hub for kernels-community/relu") !=
        std::string::npos);
  CHECK(error.message.find("parse error") != std::string::npos);
  CHECK(error.describe().starts_with(std::string(kRefsUrl) + ": malformed JSON"));

  error = refs_error("<html>not found</html>");
  CHECK(error.code == ErrorCode::network);

  // Absurd nesting is refused before the parser builds it.
  error = refs_error(std::string(100000, '[') + std::string(100000, ']'));
  CHECK(error.code == ErrorCode::network);
  CHECK(error.message.find("nested deeper than 64 levels") != std::string::npos);

  error = refs_error("[]");
  CHECK(error.code == ErrorCode::network);
  CHECK(error.message.find("must be a JSON object") != std::string::npos);
}

TEST_CASE("hub responses: repo info from the literal answer of hub-api.md 2.4") {
  const auto info =
      kernels::parse_repo_info(make_response(200, std::string(kernels::testing::kInfoJson)), kRepo);
  REQUIRE(info.has_value());
  CHECK(info->repo == kRepo);
  CHECK(info->id == "kernels-community/relu");
  CHECK(info->sha == kCommit);
  CHECK(info->last_modified == "2026-08-01T12:00:00.000Z");
  CHECK(info->is_private == false);

  const auto minimal = kernels::parse_repo_info(
      make_response(200, R"({"id":"o/n","sha":")" + std::string(kCommit) + R"("})"), kRepo);
  REQUIRE(minimal.has_value());
  CHECK_FALSE(minimal->last_modified.has_value());
  CHECK_FALSE(minimal->is_private.has_value());
}

TEST_CASE("hub responses: repo info needs an id and a 40-hex sha") {
  const auto parse = [](std::string body) {
    return kernels::parse_repo_info(make_response(200, std::move(body)), kRepo);
  };
  auto info = parse(R"({"id":"o/n"})");
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code == ErrorCode::network);
  CHECK(info.error().message.find("$.sha must be a string, but it is missing") !=
        std::string::npos);

  info = parse(R"({"id":"o/n","sha":"abc"})");
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code == ErrorCode::invalid_input);
  CHECK(info.error().message.find("sha 'abc' is not a 40-digit commit id") != std::string::npos);

  info = parse(R"({"sha":")" + std::string(kCommit) + R"("})");
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code == ErrorCode::network);

  info =
      parse(R"({"id":"o/n","sha":")" + std::string(kCommit) + R"(","lastModified":"yesterday"})");
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().message.find("$.lastModified must be a date") != std::string::npos);

  CHECK(parse(R"({"id":"o/n","sha":")" + std::string(kCommit) +
              R"(","lastModified":"2026-08-01T12:00:00Z"})")
            .has_value());
}

TEST_CASE("hub responses: organization overview and its trust flag") {
  const auto url = "http://127.0.0.1:8080/api/organizations/kernels-community/overview";
  const auto parse = [&](std::string body) {
    return kernels::parse_org_overview(make_response(200, std::move(body), {}, url),
                                       "kernels-community");
  };
  auto overview = parse(std::string(kernels::testing::kOrgJson));
  REQUIRE(overview.has_value());
  CHECK(overview->name == "kernels-community");
  CHECK(overview->trusted_kernel_publisher);

  // Python truthiness, as the reference's `if not org.trustedKernelPublisher`.
  CHECK_FALSE(parse(R"({"name":"x"})")->trusted_kernel_publisher);
  CHECK_FALSE(parse(R"({"trustedKernelPublisher":false})")->trusted_kernel_publisher);
  CHECK_FALSE(parse(R"({"trustedKernelPublisher":0})")->trusted_kernel_publisher);
  CHECK_FALSE(parse(R"({"trustedKernelPublisher":""})")->trusted_kernel_publisher);
  CHECK(parse(R"({"trustedKernelPublisher":"yes"})")->trusted_kernel_publisher);
  CHECK(parse(R"({})")->name == "kernels-community");

  const auto missing = kernels::parse_org_overview(make_response(404, "", {}, url), "someone");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message ==
        "organization 'someone' not found on http://127.0.0.1:8080 (a user namespace has no "
        "organization overview)");
}
