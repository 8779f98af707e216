// The HTTP client against a real server on 127.0.0.1: methods, parallel batches, connection
// reuse, ranges, sinks and their limits. Redirects and retries have their own files.

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/http.hpp"

#include "hub_test_server.hpp"

using kernels::HttpClient;
using kernels::HttpMethod;
using kernels::HttpRequest;
using kernels::testing::fast_test_settings;
using kernels::testing::get_request;
using kernels::testing::LocalHttpServer;
using kernels::testing::make_client;

namespace {}  // namespace

TEST_CASE("http client: GET and HEAD") {
  std::string user_agent;
  LocalHttpServer server;
  REQUIRE(server.bound());
  server.routes().Get("/hello", [&](const httplib::Request& request, httplib::Response& response) {
    user_agent = request.get_header_value("User-Agent");
    response.set_header("X-Test", "yes");
    response.set_header("X-Multi", "a");
    response.headers.emplace("X-Multi", "b");
    response.set_content("hello world", "text/plain");
  });
  server.start();
  auto client = make_client();

  const auto got = client.perform_one(get_request(server.url("/hello")));
  REQUIRE(got.has_value());
  CHECK(got->status == 200);
  CHECK(got->is_success());
  CHECK(got->body == "hello world");
  CHECK(got->bytes_received == 11);
  CHECK(got->resource_size == 11);
  CHECK(got->body_offset == 0);
  CHECK(got->attempts == 1);
  CHECK(got->url == server.url("/hello"));
  CHECK(got->redirects.empty());
  CHECK(got->headers.find("x-test") == "yes");
  CHECK(got->headers.find("CONTENT-LENGTH") == "11");
  CHECK(got->headers.find_all("x-multi") == std::vector<std::string_view>{"a", "b"});
  CHECK_FALSE(got->headers.contains("X-Absent"));
  CHECK(user_agent == "kernels-tests/1");

  HttpRequest head = get_request(server.url("/hello"));
  head.method = HttpMethod::head;
  const auto headed = client.perform_one(std::move(head));
  REQUIRE(headed.has_value());
  CHECK(headed->status == 200);
  CHECK(headed->body.empty());
  CHECK(headed->headers.find("Content-Length") == "11");
  CHECK(headed->resource_size == 11);

  // A missing file is a response, not an error, at this layer.
  const auto missing = client.perform_one(get_request(server.url("/nothing-here")));
  REQUIRE(missing.has_value());
  CHECK(missing->status == 404);
}

TEST_CASE("http client: a batch of 50 runs in parallel on at most `jobs` connections") {
  kernels::testing::ConcurrencyProbe probe;
  LocalHttpServer server;
  server.routes().Get(R"(/item/(\d+))",
                      [&](const httplib::Request& request, httplib::Response& response) {
                        probe.enter();
                        probe.wait_for_company();
                        response.set_content("item " + request.matches[1].str(), "text/plain");
                        probe.leave();
                      });
  server.start();
  auto settings = fast_test_settings();
  settings.jobs = 4;
  auto client = make_client(settings);

  std::vector<HttpRequest> batch;
  for (int i = 0; i < 50; ++i)
    batch.push_back(get_request(server.url("/item/" + std::to_string(i))));
  const auto results = client.perform(std::move(batch));
  REQUIRE(results.size() == 50);
  for (std::size_t i = 0; i < results.size(); ++i) {
    CAPTURE(i);
    REQUIRE(results[i].has_value());
    CHECK(results[i]->status == 200);
    CHECK(results[i]->body == "item " + std::to_string(i));
  }
  CHECK(probe.max_in_flight() >= 2);
  CHECK(probe.max_in_flight() <= 4);
  CHECK(server.connections() <= 4);
  CHECK(server.requests() == 50);
}

TEST_CASE("http client: sequential requests and batches reuse one keep-alive connection") {
  LocalHttpServer server;
  server.routes().Get("/ping", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("pong", "text/plain");
  });
  server.start();
  auto client = make_client();
  for (int i = 0; i < 5; ++i) {
    const auto result = client.perform_one(get_request(server.url("/ping")));
    REQUIRE(result.has_value());
    CHECK(result->body == "pong");
  }
  std::vector<HttpRequest> batch;
  batch.push_back(get_request(server.url("/ping")));
  CHECK(client.perform(std::move(batch)).front().has_value());
  CHECK(server.requests() == 6);
  CHECK(server.connections() == 1);
}

TEST_CASE("http client: a range request from byte N") {
  const std::string blob = kernels::testing::make_blob(1000);
  std::string range_header;
  LocalHttpServer server;
  server.routes().Get("/blob", [&](const httplib::Request& request, httplib::Response& response) {
    range_header = request.get_header_value("Range");
    response.set_content(blob, "application/octet-stream");
  });
  server.start();
  auto client = make_client();

  HttpRequest request = get_request(server.url("/blob"));
  request.range_start = 600;
  const auto buffered = client.perform_one(request);
  REQUIRE(buffered.has_value());
  CHECK(range_header == "bytes=600-");
  CHECK(buffered->status == 206);
  CHECK(buffered->body == blob.substr(600));
  CHECK(buffered->body_offset == 600);
  CHECK(buffered->resource_size == 1000);

  kernels::testing::CollectingSink sink;
  request.body = sink.body();
  const auto streamed = client.perform_one(request);
  REQUIRE(streamed.has_value());
  CHECK(streamed->status == 206);
  CHECK(sink.bytes == blob.substr(600));
  CHECK(streamed->bytes_received == 400);
  CHECK(streamed->body.empty());
  CHECK(sink.restarts == 0);
}

TEST_CASE("http client: a streaming sink receives exactly the body, in order") {
  const std::string blob = kernels::testing::make_blob(3 * 1024 * 1024 + 17);
  LocalHttpServer server;
  server.routes().Get("/large", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(blob, "application/octet-stream");
  });
  server.routes().Get("/missing", [](const httplib::Request&, httplib::Response& response) {
    response.status = 404;
    response.set_header("X-Error-Code", "EntryNotFound");
    response.set_content(R"({"error":"Entry not found"})", "application/json");
  });
  server.start();
  auto client = make_client();

  kernels::testing::CollectingSink sink;
  HttpRequest request = get_request(server.url("/large"));
  request.body = sink.body();
  const auto result = client.perform_one(request);
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->bytes_received == blob.size());
  CHECK(sink.bytes.size() == blob.size());
  CHECK(sink.bytes == blob);

  // The sink never sees an error body; the response keeps it for the message.
  kernels::testing::CollectingSink error_sink;
  HttpRequest missing = get_request(server.url("/missing"));
  missing.body = error_sink.body();
  const auto not_found = client.perform_one(missing);
  REQUIRE(not_found.has_value());
  CHECK(not_found->status == 404);
  CHECK(error_sink.bytes.empty());
  CHECK(not_found->body == R"({"error":"Entry not found"})");
  CHECK(not_found->headers.find("x-error-code") == "EntryNotFound");
}

TEST_CASE("http client: a buffered body larger than its cap fails the request") {
  const std::string blob = kernels::testing::make_blob(5000);
  LocalHttpServer server;
  server.routes().Get("/sized", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(blob, "application/octet-stream");
  });
  // No Content-Length: the cap must hold while the chunks arrive.
  server.routes().Get("/chunked", [&](const httplib::Request&, httplib::Response& response) {
    response.set_chunked_content_provider("application/octet-stream",
                                          [&](std::size_t, httplib::DataSink& sink) {
                                            for (int i = 0; i < 5; ++i)
                                              sink.write(blob.data(), 1000);
                                            sink.done();
                                            return true;
                                          });
  });
  server.start();
  auto client = make_client();
  for (const char* path : {"/sized", "/chunked"}) {
    CAPTURE(path);
    HttpRequest request = get_request(server.url(path));
    request.body = kernels::BufferedBody{4096};
    const auto result = client.perform_one(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == kernels::ErrorCode::network);
    CHECK(result.error().message.find("limit of 4096 bytes") != std::string::npos);
    CHECK(result.error().location == server.url(path));

    request.body = kernels::BufferedBody{5000};
    const auto fits = client.perform_one(request);
    REQUIRE(fits.has_value());
    CHECK(fits->body.size() == 5000);
  }
  CHECK(server.requests() == 4);  // a body over the cap is not retried
}

TEST_CASE("http client: response headers past 256 KiB fail the request without a retry") {
  LocalHttpServer server;
  server.routes().Get("/headers", [](const httplib::Request& request, httplib::Response& response) {
    const std::string filler(1000, 'a');
    const int count = request.has_param("few") ? 200 : 300;
    for (int i = 0; i < count; ++i)
      response.set_header("X-Filler-" + std::to_string(i), filler);
    response.set_content("{}", "application/json");
  });
  server.start();
  auto client = make_client();
  const auto result = client.perform_one(get_request(server.url("/headers")));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == kernels::ErrorCode::network);
  CHECK(result.error().message.find("response headers are larger than the limit of 262144 bytes") !=
        std::string::npos);
  CHECK(result.error().location == server.url("/headers"));
  CHECK(server.requests() == 1);

  const auto fits = client.perform_one(get_request(server.url("/headers?few=1")));
  REQUIRE(fits.has_value());
  CHECK(fits->headers.find("X-Filler-199").has_value());
}

TEST_CASE("http client: a sink error aborts that transfer only, unchanged and not retried") {
  const std::string blob = kernels::testing::make_blob(200000);
  LocalHttpServer server;
  server.routes().Get("/blob", [&](const httplib::Request&, httplib::Response& response) {
    response.set_content(blob, "application/octet-stream");
  });
  server.start();
  auto client = make_client();

  HttpRequest failing = get_request(server.url("/blob"));
  kernels::StreamingBody disk_full;
  disk_full.on_data = [](std::span<const std::byte>) -> kernels::Result<void> {
    return kernels::fail(kernels::ErrorCode::io, "no space left on device", "/cache/blob.part");
  };
  failing.body = disk_full;
  std::vector<HttpRequest> batch{failing, get_request(server.url("/blob"))};
  const auto results = client.perform(std::move(batch));
  REQUIRE_FALSE(results[0].has_value());
  CHECK(results[0].error().code == kernels::ErrorCode::io);
  CHECK(results[0].error().message == "no space left on device");
  CHECK(results[0].error().location == "/cache/blob.part");
  REQUIRE(results[1].has_value());
  CHECK(results[1]->body == blob);
  CHECK(server.requests() == 2);
}

TEST_CASE("http client: malformed requests fail alone, before any traffic") {
  LocalHttpServer server;
  server.routes().Get("/ok", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok", "text/plain");
  });
  server.start();
  auto client = make_client();

  HttpRequest with_authorization = get_request(server.url("/ok"));
  with_authorization.headers.push_back({"authorization", "Bearer hf_smuggled"});
  HttpRequest with_range = get_request(server.url("/ok"));
  with_range.headers.push_back({"Range", "bytes=1-"});
  HttpRequest injected = get_request(server.url("/ok"));
  injected.headers.push_back({"X-Evil", "a\r\nAuthorization: Bearer x"});
  HttpRequest no_sink = get_request(server.url("/ok"));
  no_sink.body = kernels::StreamingBody{};
  std::vector<HttpRequest> batch{
      get_request("ftp://127.0.0.1/x"), with_authorization, with_range, injected, no_sink,
      get_request(server.url("/ok"))};
  const auto results = client.perform(std::move(batch));
  REQUIRE(results.size() == 6);
  for (std::size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    REQUIRE_FALSE(results[i].has_value());
    CHECK(results[i].error().code == kernels::ErrorCode::invalid_input);
  }
  CHECK(results[1].error().message.find("bearer_token") != std::string::npos);
  REQUIRE(results[5].has_value());
  CHECK(results[5]->body == "ok");
  CHECK(server.requests() == 1);
}

TEST_CASE("http client: settings are checked when the client is made") {
  auto settings = fast_test_settings();
  settings.jobs = 0;
  CHECK_FALSE(HttpClient::create(settings).has_value());
  settings = fast_test_settings();
  settings.bearer_token = "hf_secret";
  const auto no_origin = HttpClient::create(settings);
  REQUIRE_FALSE(no_origin.has_value());
  CHECK(no_origin.error().code == kernels::ErrorCode::invalid_input);
  CHECK(no_origin.error().message.find("hf_secret") == std::string::npos);
  settings.token_origin = "https://hub.example";
  CHECK(HttpClient::create(settings).has_value());
}

TEST_CASE("http client: cancellation fails every unfinished request") {
  auto settings = fast_test_settings();
  settings.cancel_requested = [] { return true; };
  auto client = make_client(settings);
  std::vector<HttpRequest> batch{get_request("http://127.0.0.1:9/a"),
                                 get_request("http://127.0.0.1:9/b?token=secret")};
  const auto results = client.perform(std::move(batch));
  for (const auto& result : results) {
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find("interrupted") != std::string::npos);
  }
  CHECK(results[1].error().location == "http://127.0.0.1:9/b?token=REDACTED");
}

// libcurl, not the client, reads the proxy variables. This checks that it does: a request to a
// host that does not exist arrives at our "proxy" in absolute form.
TEST_CASE("http client: http_proxy from the environment is honoured by libcurl") {
  std::string target;
  LocalHttpServer proxy;
  proxy.routes().Get(".*", [&](const httplib::Request& request, httplib::Response& response) {
    target = request.target;
    response.set_content("via proxy", "text/plain");
  });
  proxy.start();
  const char* saved_proxy = std::getenv("http_proxy");
  const std::optional<std::string> previous =
      saved_proxy ? std::optional<std::string>(saved_proxy) : std::nullopt;
  ::setenv("http_proxy", proxy.origin().c_str(), 1);
  auto client = make_client();
  const auto result = client.perform_one(get_request("http://kernels-proxy-test.invalid/x"));
  if (previous) {
    ::setenv("http_proxy", previous->c_str(), 1);
  } else {
    ::unsetenv("http_proxy");
  }
  REQUIRE(result.has_value());
  CHECK(result->body == "via proxy");
  CHECK(target == "http://kernels-proxy-test.invalid/x");
}
