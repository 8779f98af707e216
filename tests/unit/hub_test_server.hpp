#pragma once

// A real HTTP/1.1 server on 127.0.0.1 (cpp-httplib in a thread) for the HTTP client's tests,
// with the bookkeeping they assert on: requests seen, distinct client connections (by the
// client's source port), and the most requests in progress at once.
//
// Declare a server after everything its handlers use and before the client: it then stops
// (joining handlers still writing to a client that gave up) before that state is destroyed,
// and the client closes its keep-alive connections before the server waits for them.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include <httplib.h>

#include "kernels/hub/http.hpp"

namespace kernels::testing {

class LocalHttpServer {
 public:
  LocalHttpServer() {
    // One connection may carry every request of a test, and an idle one is dropped soon so
    // that stop() never waits long for a keep-alive connection the client still holds.
    server_.set_keep_alive_max_count(100000);
    server_.set_keep_alive_timeout(2);
    server_.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response&) {
      const std::lock_guard lock(mutex_);
      client_ports_.insert(request.remote_port);
      ++requests_;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
  }
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;
  ~LocalHttpServer() { stop(); }

  // Register handlers on this before start().
  httplib::Server& routes() { return server_; }

  void start() {
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  void stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  [[nodiscard]] bool bound() const { return port_ > 0; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] std::string url(std::string_view path) const {
    return origin() + std::string(path);
  }

  [[nodiscard]] std::size_t connections() const {
    const std::lock_guard lock(mutex_);
    return client_ports_.size();
  }
  [[nodiscard]] std::size_t requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  mutable std::mutex mutex_;
  std::set<int> client_ports_;
  std::size_t requests_ = 0;
};

// Counts requests in progress in a handler; wait_for_company() holds a request until another
// one runs beside it (or a second passes), so that a parallel client is seen to be parallel
// without any assertion on time.
class ConcurrencyProbe {
 public:
  void enter() {
    const std::lock_guard lock(mutex_);
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    changed_.notify_all();
  }
  void wait_for_company() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(1), [this] { return max_in_flight_ >= 2; });
  }
  void leave() {
    const std::lock_guard lock(mutex_);
    --in_flight_;
  }
  [[nodiscard]] int max_in_flight() const {
    const std::lock_guard lock(mutex_);
    return max_in_flight_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

// Deterministic bytes of any length, different at every offset modulo 251.
inline std::string make_blob(std::size_t size) {
  std::string blob(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    blob[i] = static_cast<char>((i * 7 + 3) % 251);
  return blob;
}

// Settings that make retries immediate and a test never wait on a backoff.
inline HttpSettings fast_test_settings() {
  HttpSettings settings;
  settings.jobs = 4;
  settings.connect_timeout = std::chrono::milliseconds(2000);
  settings.stall_time = std::chrono::seconds(5);
  settings.retry.max_attempts = 3;
  settings.retry.base_delay = std::chrono::milliseconds(1);
  settings.retry.max_delay = std::chrono::milliseconds(5);
  settings.retry.max_server_delay = std::chrono::milliseconds(5000);
  settings.random_unit = [] { return 0.5; };
  settings.user_agent = "kernels-tests/1";
  return settings;
}

// A client for the tests, with fast_test_settings() unless told otherwise.
inline HttpClient make_client(HttpSettings settings = fast_test_settings()) {
  auto client = HttpClient::create(std::move(settings));
  REQUIRE(client.has_value());
  return std::move(*client);
}

inline HttpRequest get_request(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

// A streaming sink that appends to `bytes` and counts restarts.
struct CollectingSink {
  std::string bytes;
  int restarts = 0;

  StreamingBody body(bool allow_restart = true) {
    StreamingBody sink;
    sink.on_data = [this](std::span<const std::byte> chunk) -> Result<void> {
      bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
      return {};
    };
    if (allow_restart) {
      sink.on_restart = [this]() -> Result<void> {
        bytes.clear();
        ++restarts;
        return {};
      };
    }
    return sink;
  }
};

}  // namespace kernels::testing
