// Retries as the client applies the policy: transient statuses, Retry-After, permanent statuses,
// transport failures, and downloads that break in the middle of the body (resume with Range,
// or start over) without handing the sink any byte twice.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernels/hub/http.hpp"

#include "hub_test_server.hpp"

using kernels::HttpClient;
using kernels::HttpRequest;
using kernels::testing::fast_test_settings;
using kernels::testing::get_request;
using kernels::testing::LocalHttpServer;
using kernels::testing::make_client;

namespace {

// A port nothing listens on: bound, read, and closed again.
int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Serves `blob`, but the first `breaks` responses stop after half of it and drop the
// connection. Records the Range header of every request.
class BreakingBlobServer {
 public:
  BreakingBlobServer(std::string blob, int breaks, bool honour_ranges)
      : blob_(std::move(blob)), breaks_(breaks) {
    server_.routes().Get("/blob", [this, honour_ranges](const httplib::Request& request,
                                                        httplib::Response& response) {
      {
        const std::lock_guard lock(mutex_);
        ranges_.push_back(request.get_header_value("Range"));
      }
      if (!honour_ranges) {
        // Behave like a server without range support: httplib would apply the Range itself.
        const_cast<httplib::Request&>(request).ranges.clear();
      }
      const bool break_this_one = served_.fetch_add(1) < breaks_;
      response.set_header("ETag", "\"blob-v1\"");
      response.set_content_provider(
          blob_.size(), "application/octet-stream",
          [this, break_this_one](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            if (break_this_one) {
              const std::size_t half = (blob_.size() / 2 > offset) ? blob_.size() / 2 - offset : 0;
              sink.write(blob_.data() + offset, std::min(half, length));
              return false;  // httplib drops the connection mid-body
            }
            sink.write(blob_.data() + offset, length);
            return true;
          });
    });
    server_.start();
  }

  [[nodiscard]] std::string url() const { return server_.url("/blob"); }
  [[nodiscard]] std::vector<std::string> ranges() const {
    const std::lock_guard lock(mutex_);
    return ranges_;
  }

 private:
  std::string blob_;
  int breaks_;
  std::atomic<int> served_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> ranges_;
  LocalHttpServer server_;  // last: stops before the state its handler uses goes away
};

}  // namespace

TEST_CASE("http retries: 503 twice, then success") {
  std::atomic<int> calls{0};
  LocalHttpServer server;
  server.routes().Get("/flaky", [&](const httplib::Request&, httplib::Response& response) {
    if (calls.fetch_add(1) < 2) {
      response.status = 503;
      response.set_content("busy", "text/plain");
      return;
    }
    response.set_content("done", "text/plain");
  });
  server.start();
  auto settings = fast_test_settings();
  std::vector<kernels::HttpRetryEvent> events;
  settings.on_retry = [&](const kernels::HttpRetryEvent& event) { events.push_back(event); };
  auto client = make_client(settings);

  const auto result = client.perform_one(get_request(server.url("/flaky")));
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->body == "done");
  CHECK(result->attempts == 3);
  CHECK(calls == 3);
  REQUIRE(events.size() == 2);
  CHECK(events[0].failed_attempt == 1);
  CHECK(events[1].failed_attempt == 2);
  CHECK(events[0].decision.reason == "HTTP 503 is transient");
  CHECK(events[0].url == server.url("/flaky"));
  CHECK_FALSE(events[0].resume_from.has_value());
}

TEST_CASE("http retries: a status still transient after the last attempt is returned") {
  LocalHttpServer server;
  server.routes().Get(
      "/down", [](const httplib::Request&, httplib::Response& response) { response.status = 502; });
  server.start();
  auto client = make_client();
  const auto result = client.perform_one(get_request(server.url("/down")));
  REQUIRE(result.has_value());
  CHECK(result->status == 502);
  CHECK(result->attempts == 3);
  CHECK(server.requests() == 3);
}

TEST_CASE("http retries: 429 waits at least Retry-After") {
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  LocalHttpServer server;
  server.routes().Get("/limited", [&](const httplib::Request&, httplib::Response& response) {
    const std::lock_guard lock(mutex);
    arrivals.push_back(std::chrono::steady_clock::now());
    if (arrivals.size() == 1) {
      response.status = 429;
      response.set_header("Retry-After", "1");
      return;
    }
    response.set_content("welcome back", "text/plain");
  });
  server.start();
  auto client = make_client();  // a 1 ms backoff: only the server's floor makes it wait
  const auto result = client.perform_one(get_request(server.url("/limited")));
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->attempts == 2);
  const std::lock_guard lock(mutex);
  REQUIRE(arrivals.size() == 2);
  CHECK(arrivals[1] - arrivals[0] >= std::chrono::milliseconds(900));
}

TEST_CASE("http retries: 404 is not retried") {
  LocalHttpServer server;
  server.routes().Get("/gone", [](const httplib::Request&, httplib::Response& response) {
    response.status = 404;
    response.set_header("X-Error-Code", "RepoNotFound");
  });
  server.start();
  auto client = make_client();
  const auto result = client.perform_one(get_request(server.url("/gone")));
  REQUIRE(result.has_value());
  CHECK(result->status == 404);
  CHECK(result->attempts == 1);
  CHECK(server.requests() == 1);
}

TEST_CASE("http retries: connection refused names the address and hides credentials") {
  const int port = unused_port();
  auto settings = fast_test_settings();
  settings.retry.max_attempts = 2;
  int retries = 0;
  settings.on_retry = [&](const kernels::HttpRetryEvent&) { ++retries; };
  auto client = make_client(settings);
  const std::string authority = "127.0.0.1:" + std::to_string(port);
  const auto result =
      client.perform_one(get_request("http://user:pw@" + authority + "/x?token=hf_abc&y=1"));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == kernels::ErrorCode::network);
  CHECK(result.error().location == "http://" + authority + "/x?token=REDACTED&y=1");
  const std::string& message = result.error().message;
  CHECK(message.find("connection refused by " + authority + " — is the server running?") !=
        std::string::npos);
  CHECK(message.find("gave up after 2 attempts") != std::string::npos);
  CHECK(message.find("hf_abc") == std::string::npos);
  CHECK(message.find("pw") == std::string::npos);
  CHECK(retries == 1);
}

TEST_CASE("http retries: a body cut short is resumed with Range into the same sink") {
  const std::string blob = kernels::testing::make_blob(256 * 1024 + 3);
  BreakingBlobServer server(blob, 1, true);
  auto settings = fast_test_settings();
  std::vector<kernels::HttpRetryEvent> events;
  settings.on_retry = [&](const kernels::HttpRetryEvent& event) { events.push_back(event); };
  auto client = make_client(settings);

  kernels::testing::CollectingSink sink;
  HttpRequest request = get_request(server.url());
  request.body = sink.body();
  const auto result = client.perform_one(request);
  REQUIRE(result.has_value());
  CHECK(result->status == 206);
  CHECK(result->attempts == 2);
  CHECK(result->body_offset == 0);
  CHECK(result->bytes_received == blob.size());
  CHECK(result->resource_size == blob.size());
  CHECK(sink.restarts == 0);
  CHECK(sink.bytes == blob);
  const auto ranges = server.ranges();
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[0].empty());
  CHECK(ranges[1] == "bytes=" + std::to_string(blob.size() / 2) + "-");
  REQUIRE(events.size() == 1);
  CHECK(events[0].resume_from == blob.size() / 2);
}

TEST_CASE("http retries: on_complete comes once, after the whole body, only on success") {
  const std::string blob = kernels::testing::make_blob(256 * 1024 + 3);
  SUBCASE("a resumed download completes once, with every byte handed over") {
    BreakingBlobServer server(blob, 1, true);
    auto client = make_client();
    kernels::testing::CollectingSink sink;
    HttpRequest request = get_request(server.url());
    auto body = sink.body();
    std::vector<std::size_t> completed_at;
    body.on_complete = [&] { completed_at.push_back(sink.bytes.size()); };
    request.body = std::move(body);
    const auto result = client.perform_one(request);
    REQUIRE(result.has_value());
    CHECK(result->attempts == 2);
    CHECK(completed_at == std::vector<std::size_t>{blob.size()});
  }
  SUBCASE("a download that fails never completes") {
    BreakingBlobServer server(blob, 1, false);
    auto client = make_client();
    kernels::testing::CollectingSink sink;
    HttpRequest request = get_request(server.url());
    auto body = sink.body(false);
    int completions = 0;
    body.on_complete = [&] { ++completions; };
    request.body = std::move(body);
    REQUIRE_FALSE(client.perform_one(request).has_value());
    CHECK(completions == 0);
  }
}

TEST_CASE("http retries: a buffered body cut short is fetched again from the start") {
  const std::string blob = kernels::testing::make_blob(100000);
  BreakingBlobServer server(blob, 1, true);
  auto client = make_client();
  const auto result = client.perform_one(get_request(server.url()));
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->body == blob);
  CHECK(server.ranges() == std::vector<std::string>{"", ""});
}

TEST_CASE("http retries: a server that ignores Range makes the sink start over, or fails") {
  const std::string blob = kernels::testing::make_blob(100000);
  SUBCASE("with on_restart the sink starts over and ends with one copy") {
    BreakingBlobServer server(blob, 1, false);
    auto client = make_client();
    kernels::testing::CollectingSink sink;
    HttpRequest request = get_request(server.url());
    request.body = sink.body();
    const auto result = client.perform_one(request);
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(sink.restarts == 1);
    CHECK(sink.bytes == blob);
    CHECK(result->bytes_received == blob.size());
    CHECK(server.ranges().size() == 2);
  }
  SUBCASE("without on_restart the transfer fails rather than duplicate bytes") {
    BreakingBlobServer server(blob, 1, false);
    auto client = make_client();
    kernels::testing::CollectingSink sink;
    HttpRequest request = get_request(server.url());
    request.body = sink.body(false);
    const auto result = client.perform_one(request);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == kernels::ErrorCode::network);
    CHECK(result.error().message.find("cannot start over") != std::string::npos);
    CHECK(sink.bytes == blob.substr(0, blob.size() / 2));
  }
}

TEST_CASE("http retries: a stalled transfer is detected and retried") {
  std::atomic<int> calls{0};
  std::mutex mutex;
  std::condition_variable release;
  bool released = false;
  LocalHttpServer server;
  server.routes().Get("/stall", [&](const httplib::Request&, httplib::Response& response) {
    const bool stall = calls.fetch_add(1) == 0;
    response.set_content_provider(
        10, "text/plain", [&, stall](std::size_t, std::size_t, httplib::DataSink& sink) {
          if (stall) {
            sink.write("01234", 5);
            std::unique_lock lock(mutex);
            release.wait_for(lock, std::chrono::seconds(5), [&] { return released; });
            return false;
          }
          sink.write("0123456789", 10);
          return true;
        });
  });
  server.start();
  auto settings = fast_test_settings();
  settings.stall_time = std::chrono::seconds(1);
  settings.stall_bytes_per_second = 100;
  std::vector<std::string> reasons;
  settings.on_retry = [&](const kernels::HttpRetryEvent& event) {
    reasons.push_back(event.decision.reason);
  };
  auto client = make_client(settings);
  const auto result = client.perform_one(get_request(server.url("/stall")));
  {
    const std::lock_guard lock(mutex);
    released = true;
  }
  release.notify_all();
  REQUIRE(result.has_value());
  CHECK(result->body == "0123456789");
  CHECK(result->attempts == 2);
  CHECK(reasons == std::vector<std::string>{"stalled transfer may be transient"});
}

TEST_CASE("http retries: the caller's range_start answered with the whole body restarts the sink") {
  const std::string blob = kernels::testing::make_blob(5000);
  BreakingBlobServer server(blob, 0, false);
  auto client = make_client();
  kernels::testing::CollectingSink sink;
  sink.bytes = "bytes of an earlier run";
  HttpRequest request = get_request(server.url());
  request.range_start = 1000;
  request.body = sink.body();
  const auto result = client.perform_one(request);
  REQUIRE(result.has_value());
  CHECK(result->status == 200);
  CHECK(result->body_offset == 0);
  CHECK(sink.restarts == 1);
  CHECK(sink.bytes == blob);
  CHECK(server.ranges() == std::vector<std::string>{"bytes=1000-"});

  // Buffered: the body simply starts at 0.
  request.body = kernels::BufferedBody{};
  const auto buffered = client.perform_one(request);
  REQUIRE(buffered.has_value());
  CHECK(buffered->body_offset == 0);
  CHECK(buffered->body == blob);
}

TEST_CASE("http retries: a resumption answered with an error status fails the download") {
  const std::string blob = kernels::testing::make_blob(10000);
  std::atomic<int> calls{0};
  LocalHttpServer server;
  server.routes().Get("/vanishing", [&](const httplib::Request&, httplib::Response& response) {
    if (calls.fetch_add(1) > 0) {
      response.status = 404;
      return;
    }
    response.set_content_provider(blob.size(), "application/octet-stream",
                                  [&](std::size_t, std::size_t, httplib::DataSink& sink) {
                                    sink.write(blob.data(), 4000);
                                    return false;
                                  });
  });
  server.start();
  auto client = make_client();
  kernels::testing::CollectingSink sink;
  HttpRequest request = get_request(server.url("/vanishing"));
  request.body = sink.body();
  const auto result = client.perform_one(request);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == kernels::ErrorCode::network);
  CHECK(result.error().message.find("broke after 4000 bytes") != std::string::npos);
  CHECK(result.error().message.find("HTTP 404") != std::string::npos);
  CHECK(sink.bytes == blob.substr(0, 4000));
}

TEST_CASE("http retries: a buffered request ends at its deadline; a streamed download has none") {
  LocalHttpServer server;
  // Ten bytes, one every 100 ms: never stalled (1 byte/s), but slow.
  server.routes().Get("/trickle", [](const httplib::Request&, httplib::Response& response) {
    response.set_content_provider(10, "text/plain",
                                  [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                    if (offset > 0)
                                      std::this_thread::sleep_for(std::chrono::milliseconds(100));
                                    return sink.write("x", 1);
                                  });
  });
  server.start();
  auto settings = fast_test_settings();
  settings.request_deadline = std::chrono::milliseconds(300);
  auto client = make_client(settings);

  const auto started = std::chrono::steady_clock::now();
  const auto buffered = client.perform_one(get_request(server.url("/trickle")));
  REQUIRE_FALSE(buffered.has_value());
  CHECK(buffered.error().code == kernels::ErrorCode::network);
  CHECK(buffered.error().message.find("request deadline of 300 ms") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(900));

  std::string received;
  HttpRequest streamed = get_request(server.url("/trickle"));
  streamed.body =
      kernels::StreamingBody{[&](std::span<const std::byte> data) -> kernels::Result<void> {
                               for (const std::byte b : data)
                                 received.push_back(static_cast<char>(b));
                               return {};
                             },
                             {},
                             {}};
  const auto download = client.perform_one(std::move(streamed));
  REQUIRE(download.has_value());
  CHECK(received == "xxxxxxxxxx");
}
