// Redirects as the client follows them itself: relative and absolute Locations, the recorded
// chain (the Hub's 302 from /resolve carries headers the caller needs), the limit, and the rule
// that the bearer token goes to the endpoint's origin only.

#include <mutex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/http.hpp"

#include "hub_test_server.hpp"

using kernels::HttpClient;
using kernels::HttpRequest;
using kernels::testing::fast_test_settings;
using kernels::testing::get_request;
using kernels::testing::LocalHttpServer;
using kernels::testing::make_client;

namespace {

void redirect(httplib::Response& response, int status, const std::string& location) {
  response.status = status;
  response.set_header("Location", location);
}

// Remembers the Authorization header of every request by path, across server threads.
class AuthorizationLog {
 public:
  void record(const httplib::Request& request) {
    const std::lock_guard lock(mutex_);
    seen_.push_back(request.path + " " + request.get_header_value("Authorization"));
  }
  [[nodiscard]] std::vector<std::string> seen() const {
    const std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
};

}  // namespace

TEST_CASE("http redirects: a chain of relative and absolute Locations is followed and recorded") {
  LocalHttpServer server;
  server.routes().Get("/chain/start", [&](const httplib::Request&, httplib::Response& response) {
    response.set_header("X-Hop", "1");
    redirect(response, 301, "/chain/two");  // absolute path
  });
  server.routes().Get("/chain/two", [&](const httplib::Request&, httplib::Response& response) {
    response.set_header("X-Hop", "2");
    redirect(response, 307, "sub/../three?x=1");  // relative to /chain/
  });
  server.routes().Get("/chain/three", [&](const httplib::Request&, httplib::Response& response) {
    redirect(response, 308, server.url("/final"));  // absolute URL
  });
  server.routes().Get("/final", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("arrived", "text/plain");
  });
  server.start();
  auto client = make_client();

  const auto result = client.perform_one(get_request(server.url("/chain/start")));
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->body == "arrived");
  CHECK(result->url == server.url("/final"));
  REQUIRE(result->redirects.size() == 3);
  CHECK(result->redirects[0].status == 301);
  CHECK(result->redirects[0].url == server.url("/chain/start"));
  CHECK(result->redirects[1].status == 307);
  CHECK(result->redirects[1].url == server.url("/chain/two"));
  CHECK(result->redirects[2].status == 308);
  CHECK(result->redirects[2].url == server.url("/chain/three?x=1"));
  CHECK(result->original_headers().find("X-Hop") == "1");
  CHECK(result->redirects[1].headers.find("x-hop") == "2");
}

TEST_CASE("http redirects: the Hub's 302 from /resolve keeps X-Linked-* and X-Repo-Commit") {
  const std::string blob = kernels::testing::make_blob(1024);
  LocalHttpServer hub;
  LocalHttpServer cdn;
  hub.routes().Get("/kernels/o/n/resolve/main/build/x.so", [&](const httplib::Request&,
                                                               httplib::Response& response) {
    response.set_header("X-Repo-Commit", "d649efb56fb249ac8f7a57fa1866728ad0c60e52");
    response.set_header("X-Linked-Etag", "\"469cbca2\"");
    response.set_header("X-Linked-Size", "1024");
    response.set_header("ETag", "\"d9e8e413\"");
    redirect(response, 302, cdn.url("/lfs/469cbca2?X-Amz-Signature=abc"));
  });
  cdn.routes().Get("/lfs/469cbca2", [&](const httplib::Request&, httplib::Response& response) {
    response.set_header("ETag", "\"469cbca2\"");
    response.set_content(blob, "application/octet-stream");
  });
  hub.start();
  cdn.start();
  auto client = make_client();
  const std::string resolve = hub.url("/kernels/o/n/resolve/main/build/x.so");

  const auto followed = client.perform_one(get_request(resolve));
  REQUIRE(followed.has_value());
  CHECK(followed->status == 200);
  CHECK(followed->body == blob);
  CHECK(followed->url == cdn.url("/lfs/469cbca2?X-Amz-Signature=abc"));
  CHECK(followed->original_headers().find("X-Linked-Size") == "1024");
  CHECK(followed->original_headers().find("X-Linked-Etag") == "\"469cbca2\"");
  CHECK(followed->original_headers().find("X-Repo-Commit") ==
        "d649efb56fb249ac8f7a57fa1866728ad0c60e52");
  CHECK(followed->headers.find("ETag") == "\"469cbca2\"");

  // The metadata HEAD reads the redirect itself.
  HttpRequest head = get_request(resolve);
  head.method = kernels::HttpMethod::head;
  head.follow_redirects = false;
  const auto metadata = client.perform_one(head);
  REQUIRE(metadata.has_value());
  CHECK(metadata->status == 302);
  CHECK(metadata->redirects.empty());
  CHECK(metadata->headers.find("Location") == cdn.url("/lfs/469cbca2?X-Amz-Signature=abc"));
  CHECK(metadata->original_headers().find("X-Linked-Etag") == "\"469cbca2\"");
  CHECK(cdn.requests() == 1);
}

TEST_CASE("http redirects: more than max_redirects hops is an error") {
  LocalHttpServer server;
  server.routes().Get("/loop", [](const httplib::Request&, httplib::Response& response) {
    redirect(response, 302, "/loop");
  });
  server.start();
  auto settings = fast_test_settings();
  settings.max_redirects = 3;
  auto client = make_client(settings);
  const auto result = client.perform_one(get_request(server.url("/loop")));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == kernels::ErrorCode::network);
  CHECK(result.error().message.find("more than 3 redirects") != std::string::npos);
  CHECK(result.error().location == server.url("/loop"));
  CHECK(server.requests() == 4);  // the request and three redirects, never retried
}

TEST_CASE("http redirects: a Location that is not http(s) is refused") {
  LocalHttpServer server;
  server.routes().Get("/to-file", [](const httplib::Request&, httplib::Response& response) {
    redirect(response, 302, "file:///etc/passwd");
  });
  server.start();
  auto client = make_client();
  const auto result = client.perform_one(get_request(server.url("/to-file")));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == kernels::ErrorCode::network);
  CHECK(result.error().message.find("unusable location") != std::string::npos);
}

TEST_CASE("http redirects: the token goes to the endpoint's origin and never after leaving it") {
  AuthorizationLog log;
  const auto record_and_answer = [&](const httplib::Request& request, httplib::Response& response) {
    log.record(request);
    response.set_content("ok", "text/plain");
  };
  LocalHttpServer hub;
  LocalHttpServer other;  // another port on the same host: another origin
  hub.routes().Get("/api/whoami", record_and_answer);
  hub.routes().Get("/to-own-path",
                   [&](const httplib::Request& request, httplib::Response& response) {
                     log.record(request);
                     redirect(response, 302, "/api/whoami");
                   });
  hub.routes().Get("/to-other", [&](const httplib::Request& request, httplib::Response& response) {
    log.record(request);
    redirect(response, 302, other.url("/file"));
  });
  hub.routes().Get("/via-other-and-back",
                   [&](const httplib::Request& request, httplib::Response& response) {
                     log.record(request);
                     redirect(response, 302, other.url("/back"));
                   });
  other.routes().Get("/file", record_and_answer);
  other.routes().Get("/back", [&](const httplib::Request& request, httplib::Response& response) {
    log.record(request);
    redirect(response, 302, hub.url("/api/whoami"));
  });
  hub.start();
  other.start();
  auto settings = fast_test_settings();
  settings.bearer_token = "hf_secret";
  settings.token_origin = hub.url("/");
  auto client = make_client(settings);

  for (const std::string& url : {hub.url("/to-own-path"), hub.url("/to-other"),
                                 hub.url("/via-other-and-back"), other.url("/file")}) {
    CAPTURE(url);
    const auto result = client.perform_one(get_request(url));
    REQUIRE(result.has_value());
    CHECK(result->body == "ok");
  }
  const std::vector<std::string> expected = {
      "/to-own-path Bearer hf_secret",         // the endpoint itself
      "/api/whoami Bearer hf_secret",          // a redirect within the endpoint's origin
      "/to-other Bearer hf_secret",            //
      "/file ",                                // the redirect left the origin: no token
      "/via-other-and-back Bearer hf_secret",  //
      "/back ",                                //
      "/api/whoami ",                          // back on the origin, but the chain left it once
      "/file ",                                // another origin asked directly
  };
  CHECK(log.seen() == expected);
}

TEST_CASE("http redirects: 127.0.0.1 and localhost are different origins for the token") {
  AuthorizationLog log;
  LocalHttpServer server;
  server.routes().Get("/whoami", [&](const httplib::Request& request, httplib::Response& response) {
    log.record(request);
    response.set_content("ok", "text/plain");
  });
  server.start();
  auto settings = fast_test_settings();
  settings.bearer_token = "hf_secret";
  settings.token_origin = "http://localhost:" + std::to_string(server.port());
  auto client = make_client(settings);
  const auto result = client.perform_one(get_request(server.url("/whoami")));
  REQUIRE(result.has_value());
  CHECK(log.seen() == std::vector<std::string>{"/whoami "});
}
