#pragma once

// `kernels serve`: the Hub's read-only HTTP API (hub_api.hpp) over a mirror directory, on two
// listeners: the API, and a "CDN" on a second port that LFS downloads are redirected to.
//
// The server streams file bodies from disk. It writes to sockets with send(), so a client that
// disconnects mid-body raises SIGPIPE: the embedding program must ignore SIGPIPE (the CLI does).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/mirror/faults.hpp"

namespace kernels::mirror {

struct ServerOptions {
  std::filesystem::path mirror_dir;
  std::string host = "127.0.0.1";  // "0.0.0.0" or "::" listen on every interface
  std::uint16_t port = 0;          // 0: a free port
  std::uint16_t cdn_port = 0;      // 0: a free port
  std::string required_token;      // see HubApiOptions::required_token
  std::size_t tree_page_size = 1000;
  std::size_t threads = 32;  // worker threads per listener (a keep-alive connection holds one)
  FaultOptions faults;
  // Called once per request with one line ("GET /api/... 200 1234"); from worker threads.
  std::function<void(std::string_view line)> request_log;
};

class Server {
 public:
  // Opens the mirror, binds both listeners and starts serving in background threads.
  [[nodiscard]] static Result<std::unique_ptr<Server>> start(ServerOptions options);

  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // "http://127.0.0.1:PORT": what HF_ENDPOINT should be.
  [[nodiscard]] const std::string& url() const;
  [[nodiscard]] const std::string& cdn_url() const;

  // Stops listening, lets running requests end, and joins the threads. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kernels::mirror
