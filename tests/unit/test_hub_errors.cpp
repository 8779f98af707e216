// The X-Error-Code mapping (hub-api.md 3.1) with the literal error answers the Hub sends, the
// model-type fallback rule, and the offline error.

#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/hub_errors.hpp"

#include "hub_api_fixtures.hpp"

using kernels::ErrorCode;
using kernels::HubQuery;
using kernels::RepoRef;
using kernels::RepoType;
using kernels::testing::make_response;

namespace {

const RepoRef kRepo{"o/n", RepoType::kernel};
const std::string kUrl = "http://127.0.0.1:8080/api/kernels/o/n/tree/v99?recursive=true";
using Headers = std::vector<std::pair<std::string, std::string>>;

kernels::Error error_for(int status, Headers headers, std::string body = {},
                         HubQuery query = {"file list", "v99", ""}, RepoRef repo = kRepo) {
  auto response = make_response(status, std::move(body), std::move(headers), kUrl);
  response.attempts = 3;
  return kernels::hub_error(response, repo, query);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("hub errors: each X-Error-Code of hub-api.md 3.1") {
  auto error = error_for(
      404, {{"X-Error-Code", "RepoNotFound"}, {"X-Error-Message", "Repository not found"}},
      R"({"error":"Repository not found"})");
  CHECK(error.code == ErrorCode::not_found);
  CHECK(error.message ==
        "repository o/n not found on http://127.0.0.1:8080 (or it is private: set HF_TOKEN or "
        "pass --token)");
  CHECK(error.location == kUrl);
  // The Hub answers 401 RepoNotFound for a private repo without a token.
  CHECK(error_for(401, {{"X-Error-Code", "RepoNotFound"}}).code == ErrorCode::not_found);

  error = error_for(
      404, {{"X-Error-Code", "RevisionNotFound"}, {"X-Error-Message", "Invalid rev id: v99"}});
  CHECK(error.code == ErrorCode::not_found);
  CHECK(error.message ==
        "revision 'v99' not found in o/n on http://127.0.0.1:8080; check the branch, tag or "
        "commit (server: Invalid rev id: v99)");

  error =
      error_for(404, {{"X-Error-Code", "EntryNotFound"}, {"X-Error-Message", "Entry not found"}},
                {}, {"file", "main", "build/x/metadata.json"});
  CHECK(error.code == ErrorCode::not_found);
  CHECK(error.message ==
        "'build/x/metadata.json' not found in o/n at revision 'main' on http://127.0.0.1:8080 "
        "(server: Entry not found)");

  error = error_for(403, {{"X-Error-Code", "GatedRepo"},
                          {"X-Error-Message",
                           "Access to model o/n is restricted and you are not in the authorized "
                           "list. Visit https://huggingface.co/o/n to ask for access."}});
  CHECK(error.code == ErrorCode::failure);
  CHECK(contains(error.message,
                 "o/n is a gated repository: accept the conditions at "
                 "http://127.0.0.1:8080/kernels/o/n with your account"));
  CHECK(contains(error.message, "not in the authorized list"));
  error = error_for(401, {{"X-Error-Code", "GatedRepo"}}, {}, {"refs", "", ""},
                    RepoRef{"o/n", RepoType::model});
  CHECK(contains(error.message, "accept the conditions at http://127.0.0.1:8080/o/n "));

  error = error_for(403, {{"X-Error-Message", "Access to this resource is disabled."}});
  CHECK(error.code == ErrorCode::failure);
  CHECK(contains(error.message, "o/n has been disabled on http://127.0.0.1:8080"));
}

TEST_CASE("hub errors: statuses without an X-Error-Code") {
  auto error = error_for(401, {{"X-Error-Message", "Invalid credentials in Authorization header"}});
  CHECK(error.code == ErrorCode::failure);
  CHECK(contains(error.message, "authentication failed on http://127.0.0.1:8080 (HTTP 401)"));
  CHECK(contains(error.message, "the token was rejected"));

  error = error_for(401, {});
  CHECK(contains(error.message, "authentication failed"));
  CHECK(contains(error.message, "set HF_TOKEN (or pass --token)"));

  error = error_for(403, {});
  CHECK(error.code == ErrorCode::failure);
  CHECK(contains(error.message, "access denied by http://127.0.0.1:8080 (HTTP 403)"));

  error = error_for(404, {});
  CHECK(error.code == ErrorCode::not_found);
  CHECK(contains(error.message, "without X-Error-Code"));

  error = error_for(429, {{"RateLimit", "\"api\";r=0;t=55"}});
  CHECK(error.code == ErrorCode::network);
  CHECK(contains(error.message, "rate-limited the requests (HTTP 429 after 3 attempts)"));

  for (const int status : {500, 502, 503, 504, 408}) {
    CAPTURE(status);
    error = error_for(status, {});
    CHECK(error.code == ErrorCode::network);
    CHECK(contains(error.message, "try again later"));
  }

  error = error_for(400, {}, R"({"error":["bad", "worse"]})");
  CHECK(error.code == ErrorCode::failure);
  CHECK(contains(error.message,
                 "refused the request (HTTP 400) for file list of o/n at "
                 "revision 'v99' (server: bad; worse)"));
  error = error_for(422, {}, R"({"errors":[{"message":"one"},{"message":"two"}]})");
  CHECK(contains(error.message, "(server: one; two)"));
  error = error_for(400, {}, R"({"error":"invalid_grant","error_description":"expired"})");
  CHECK(contains(error.message, "(server: invalid_grant (expired))"));
  error = error_for(400, {}, "plain words\nsecond line");
  CHECK(contains(error.message, "(server: plain words)"));
  error = error_for(400, {}, "<html><body>nginx</body></html>");
  CHECK_FALSE(contains(error.message, "nginx"));

  // Server text cannot forge lines.
  error = error_for(400, {{"X-Error-Message", "a\r\nb"}});
  CHECK(contains(error.message, "a\\x0d\\x0ab"));

  error = error_for(304, {});
  CHECK(error.code == ErrorCode::network);
}

TEST_CASE("hub errors: a 401 or 403 from a host the endpoint redirected to") {
  // The token is never sent to another origin, so "the token was rejected" would send the user
  // after a token that is fine.
  auto response =
      make_response(401, {}, {{"X-Error-Message", "Invalid credentials in Authorization header"}},
                    "http://localhost:9000/api/kernels/o/n/refs?X-Amz-Signature=s3cr3t");
  response.redirects.push_back(kernels::HttpRedirect{302, kUrl, {}});
  auto error = kernels::hub_error(response, kRepo, {"refs", "", ""});
  CHECK(error.code == ErrorCode::failure);
  CHECK(error.message ==
        "authentication failed on http://localhost:9000 (HTTP 401) for refs of o/n, where "
        "http://127.0.0.1:8080 redirected the request: the token goes to http://127.0.0.1:8080 "
        "only, never to another host; ask the operator of http://127.0.0.1:8080 why it "
        "redirects there (server: Invalid credentials in Authorization header)");
  CHECK(error.location == "http://localhost:9000/api/kernels/o/n/refs?X-Amz-Signature=REDACTED");

  response.status = 403;
  error = kernels::hub_error(response, kRepo, {"refs", "", ""});
  CHECK(contains(error.message, "access denied by http://localhost:9000 (HTTP 403)"));
  CHECK(contains(error.message, "never to another host"));

  // A redirect within the endpoint's origin carries the token: the usual messages.
  response = make_response(401, {}, {}, "http://127.0.0.1:8080/api/kernels/o/renamed/refs");
  response.redirects.push_back(kernels::HttpRedirect{307, kUrl, {}});
  error = kernels::hub_error(response, kRepo, {"refs", "", ""});
  CHECK(contains(error.message, "authentication failed on http://127.0.0.1:8080 (HTTP 401)"));
  CHECK_FALSE(contains(error.message, "another host"));
}

TEST_CASE("hub errors: the location never carries a presigned query's secrets") {
  const auto response =
      make_response(500, "", {}, "http://cdn.example/lfs/x?X-Amz-Signature=secret&a=1");
  const auto error = kernels::hub_error(response, kRepo, {"file", "main", "x"});
  CHECK(error.location == "http://cdn.example/lfs/x?X-Amz-Signature=REDACTED&a=1");
  CHECK_FALSE(contains(error.message, "secret"));
}

TEST_CASE("hub errors: when a kernel repo is looked for as a model") {
  using kernels::needs_model_fallback;
  CHECK(needs_model_fallback(make_response(404, "", {{"X-Error-Code", "RepoNotFound"}})));
  CHECK(needs_model_fallback(make_response(401, "", {{"X-Error-Code", "RepoNotFound"}})));
  CHECK(needs_model_fallback(make_response(404, "")));
  CHECK(needs_model_fallback(make_response(404, "", {{"X-Error-Code", ""}})));
  CHECK_FALSE(needs_model_fallback(make_response(404, "", {{"X-Error-Code", "RevisionNotFound"}})));
  CHECK_FALSE(needs_model_fallback(make_response(404, "", {{"X-Error-Code", "EntryNotFound"}})));
  CHECK_FALSE(needs_model_fallback(make_response(403, "", {{"X-Error-Code", "GatedRepo"}})));
  CHECK_FALSE(needs_model_fallback(make_response(401, "")));
  CHECK_FALSE(needs_model_fallback(make_response(403, "")));
  CHECK_FALSE(needs_model_fallback(make_response(500, "")));
  CHECK_FALSE(needs_model_fallback(make_response(200, "{}")));
}

TEST_CASE("hub errors: offline mode") {
  const auto error = kernels::offline_error("the refs", "o/n");
  CHECK(error.code == ErrorCode::network);
  CHECK(error.message ==
        "offline mode (HF_HUB_OFFLINE / --offline): cannot reach the Hub for the refs of o/n");
}
