// kernel-status.toml (kernels-spec.md 7.6): the redirect it declares, the reference's error
// words, and the answers that mean "this repo has no status".

#include <string>

#include <doctest/doctest.h>

#include "kernels/hub/hub_responses.hpp"

#include "hub_api_fixtures.hpp"

using kernels::ErrorCode;
using kernels::RepoRef;
using kernels::RepoType;
using kernels::testing::make_response;

namespace {

const RepoRef kRepo{"kernels-community/old", RepoType::kernel};
const std::string kUrl =
    "http://127.0.0.1:8080/kernels/kernels-community/old/resolve/main/kernel-status.toml";

std::string toml_error(std::string_view text) {
  const auto status = kernels::parse_kernel_status_toml(text, "here");
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code == ErrorCode::invalid_input);
  CHECK(status.error().location == "here");
  return status.error().message;
}

}  // namespace

TEST_CASE("hub kernel status: a redirect, with and without a revision") {
  auto status = kernels::parse_kernel_status_toml(
      "kind = \"redirect\"\ndestination = \"kernels-community/new\"\nrevision = \"v2\"\n", "here");
  REQUIRE(status.has_value());
  CHECK(status->kind == kernels::KernelStatusKind::redirect);
  CHECK(status->destination == "kernels-community/new");
  CHECK(status->revision == "v2");

  status = kernels::parse_kernel_status_toml(
      "# moved\nkind = \"redirect\"\ndestination = \"kernels-community/new\"\n", "here");
  REQUIRE(status.has_value());
  CHECK(status->revision == "main");
}

TEST_CASE("hub kernel status: the reference's errors and checked values") {
  CHECK(toml_error("destination = \"a/b\"\n") == "kernel-status.toml must contain a 'kind' field");
  CHECK(toml_error("kind = \"deprecated\"\ndestination = \"a/b\"\n") ==
        "Unknown kernel status kind: 'deprecated'");
  CHECK(toml_error("kind = \"redirect\"\n") ==
        "kernel-status.toml must contain a 'destination' field");
  CHECK(toml_error("kind = 1\n") == "kernel-status.toml: 'kind' must be a string");
  CHECK(toml_error("kind = \"redirect\"\ndestination = \"../etc\"\n")
            .starts_with("kernel-status.toml redirects to an invalid repo id: "));
  CHECK(toml_error("kind = \"redirect\"\ndestination = \"a/b\"\nrevision = \"a b\"\n")
            .starts_with("kernel-status.toml redirects to an invalid revision: "));
  CHECK(toml_error("kind = \n").starts_with("kernel-status.toml is not valid TOML"));
  CHECK(toml_error(std::string(70000, '#')).find("larger than") != std::string::npos);
}

TEST_CASE("hub kernel status: answers that mean no status, and those that are errors") {
  const auto read = [](int status, std::vector<std::pair<std::string, std::string>> headers,
                       std::string body = {}) {
    return kernels::parse_kernel_status_response(
        make_response(status, std::move(body), std::move(headers), kUrl), kRepo);
  };
  auto status = read(200, {}, "kind = \"redirect\"\ndestination = \"kernels-community/new\"\n");
  REQUIRE(status.has_value());
  REQUIRE(status->has_value());
  CHECK((*status)->destination == "kernels-community/new");

  status = read(404, {{"X-Error-Code", "EntryNotFound"}});
  REQUIRE(status.has_value());
  CHECK_FALSE(status->has_value());
  status = read(404, {});  // a static mirror
  REQUIRE(status.has_value());
  CHECK_FALSE(status->has_value());
  status = read(401, {{"X-Error-Code", "RepoNotFound"}});  // as the reference: no status
  REQUIRE(status.has_value());
  CHECK_FALSE(status->has_value());

  status = read(404, {{"X-Error-Code", "RevisionNotFound"}});
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code == ErrorCode::not_found);
  status = read(503, {});
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code == ErrorCode::network);
  status = read(200, {}, "kind = \"other\"\n");
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().location == kUrl);
}
