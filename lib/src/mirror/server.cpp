// The HTTP side of `kernels serve`: cpp-httplib listeners that hand every GET/HEAD to HubApi and
// write its replies, streaming file bodies from disk, with the fault injection of faults.hpp.
// The only file that includes httplib.h.
#include "kernels/mirror/server.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernels/mirror/hub_api.hpp"

#include "mirror/hub_api_state.hpp"

namespace kernels::mirror {
namespace {

constexpr std::size_t kChunkBytes = 256U << 10;
constexpr time_t kKeepAliveSeconds = 5;
constexpr std::size_t kKeepAliveRequests = 1000;
constexpr time_t kWriteTimeoutSeconds = 60;

// The body of a download: a range of a file, opened on the first read (a HEAD never opens it).
class FileReader {
 public:
  explicit FileReader(FileBody body) : body_(std::move(body)), buffer_(kChunkBytes) {}
  ~FileReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Up to `length` bytes at `offset` of the body; nothing on a read error or a file that shrank.
  std::optional<std::string_view> read(std::uint64_t offset, std::size_t length) {
    if (fd_ < 0) fd_ = ::open(body_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return std::nullopt;
    const std::size_t wanted = std::min(length, buffer_.size());
    ssize_t count = -1;
    do {
      count = ::pread(fd_, buffer_.data(), wanted, static_cast<off_t>(body_.offset + offset));
    } while (count < 0 && errno == EINTR);
    if (count <= 0) return std::nullopt;
    return std::string_view(buffer_.data(), static_cast<std::size_t>(count));
  }

 private:
  FileBody body_;
  std::vector<char> buffer_;
  int fd_ = -1;
};

std::optional<std::pair<std::string, int>> numeric_address(const sockaddr_storage& address,
                                                           socklen_t length) {
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> service{};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host.data(), host.size(),
                    service.data(), service.size(), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return std::nullopt;
  }
  return std::pair{std::string(host.data()), std::atoi(service.data())};
}

// Closes the request's connection without a response. httplib does not expose the socket, so it
// is found among the process's descriptors by its two endpoints, which identify it uniquely.
void drop_connection(const httplib::Request& request) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    const int fd = std::atoi(entry.path().filename().c_str());
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_length = sizeof(local);
    socklen_t peer_length = sizeof(peer);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
      continue;
    }
    const auto local_address = numeric_address(local, local_length);
    const auto peer_address = numeric_address(peer, peer_length);
    if (local_address && peer_address && local_address->second == request.local_port &&
        peer_address->second == request.remote_port && peer_address->first == request.remote_addr) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

HubRequest hub_request(const httplib::Request& request) {
  return HubRequest{request.method, request.target, request.get_header_value("Host"),
                    request.get_header_value("Authorization"), request.get_header_value("Range")};
}

// Copies a reply into httplib's response. With `truncate`, only half of a body is sent before
// the connection is closed, although Content-Length announces all of it. With `corrupt`, a file
// body's first byte is flipped.
void write_reply(HubReply reply, const httplib::Request& request, httplib::Response& response,
                 bool truncate, bool corrupt, std::uint32_t trickle) {
  response.status = reply.status;
  std::string content_type = "application/octet-stream";
  for (auto& [name, value] : reply.headers) {
    if (name == "Content-Type") {
      content_type = value;
    } else {
      response.set_header(name, value);
    }
  }
  const std::uint64_t size = reply.body_size();
  if (request.method == "HEAD" || size == 0) {
    if (reply.header("Content-Type")) response.set_header("Content-Type", content_type);
    if (size > 0) response.set_header("Content-Length", std::to_string(size));
    return;
  }
  const std::uint64_t limit = truncate ? size / 2 : size;
  if (auto* text = std::get_if<std::string>(&reply.body)) {
    auto content = std::make_shared<std::string>(std::move(*text));
    response.set_content_provider(
        content->size(), content_type,
        [content, limit, trickle](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          if (offset >= limit) return false;
          std::size_t count =
              std::min<std::uint64_t>({length, limit - offset, std::uint64_t{kChunkBytes}});
          if (trickle > 0) {
            if (offset > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
            count = std::min<std::size_t>(count, trickle);
          }
          return sink.write(content->data() + offset, count);
        });
    return;
  }
  auto reader = std::make_shared<FileReader>(std::get<FileBody>(std::move(reply.body)));
  response.set_content_provider(
      static_cast<std::size_t>(size), content_type,
      [reader, limit, corrupt, trickle](std::size_t offset, std::size_t length,
                                        httplib::DataSink& sink) {
        if (offset >= limit) return false;
        std::uint64_t count = std::min<std::uint64_t>(length, limit - offset);
        if (trickle > 0) {
          if (offset > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
          count = std::min<std::uint64_t>(count, trickle);
        }
        const auto chunk = reader->read(offset, count);
        if (!chunk) return false;
        if (corrupt && offset == 0 && !chunk->empty()) {
          std::string changed(*chunk);
          changed[0] = static_cast<char>(changed[0] ^ 0x5a);
          return sink.write(changed.data(), changed.size());
        }
        return sink.write(chunk->data(), chunk->size());
      });
}

std::string url_host(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "[::1]";
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<HubApi> api;
  httplib::Server api_server;
  httplib::Server cdn_server;
  std::atomic<std::uint64_t> request_count{0};
  std::vector<std::thread> threads;
  std::string url;
  std::string cdn_url;
  bool stopped = false;

  httplib::Server::HandlerResponse handle(const httplib::Request& request,
                                          httplib::Response& response, bool cdn) {
    if (request.method != "GET" && request.method != "HEAD") {
      return httplib::Server::HandlerResponse::Unhandled;  // httplib reads the body and answers 404
    }
    // HubApi answers Range itself; httplib would apply the range a second time to its reply.
    // The Request object is not const where httplib owns it, so clearing the field is sound.
    const_cast<httplib::Request&>(request).ranges.clear();
    const std::uint64_t index = request_count.fetch_add(1);
    if (options.faults.latency_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options.faults.latency_ms));
    }
    const Fault fault = fault_for_request(options.faults, index);
    HubReply reply;
    bool corrupt = false;
    switch (fault) {
      case Fault::drop:
        drop_connection(request);
        response.status = 500;
        response.set_header("X-Mirror-Fault", "drop");
        return httplib::Server::HandlerResponse::Handled;
      case Fault::error:
        reply = detail::error_reply(
            500, "", "Internal Error - We're working hard to fix this as soon as possible!");
        reply.set_header("X-Mirror-Fault", "error");
        break;
      case Fault::rate_limit:
        reply = detail::error_reply(429, "", "Too many requests, retry later");
        reply.set_header("Retry-After", "1");
        reply.set_header("X-Mirror-Fault", "rate-limit");
        break;
      case Fault::truncate:
      case Fault::corrupt:
      case Fault::none:
        reply = cdn ? api->handle_cdn(hub_request(request)) : api->handle(hub_request(request));
        if (fault == Fault::truncate && request.method == "GET" && reply.body_size() > 0) {
          reply.set_header("X-Mirror-Fault", "truncate");
        }
        corrupt = fault == Fault::corrupt && request.method == "GET" &&
                  std::holds_alternative<FileBody>(reply.body) && reply.body_size() > 0;
        if (corrupt) reply.set_header("X-Mirror-Fault", "corrupt");
        break;
    }
    write_reply(std::move(reply), request, response, fault == Fault::truncate, corrupt,
                options.faults.trickle_bytes_per_second);
    return httplib::Server::HandlerResponse::Handled;
  }

  void configure(httplib::Server& server, bool cdn) {
    const std::size_t threads_per_listener = std::max<std::size_t>(1, options.threads);
    server.new_task_queue = [threads_per_listener] {
      return new httplib::ThreadPool(threads_per_listener);
    };
    server.set_keep_alive_timeout(kKeepAliveSeconds);
    server.set_keep_alive_max_count(kKeepAliveRequests);
    server.set_write_timeout(kWriteTimeoutSeconds, 0);
    // httplib writes a response's headers and body separately: with Nagle's algorithm the body
    // waits for the ACK of the headers, which the client delays (40 ms on Linux) once a
    // keep-alive connection has left TCP quick-ACK mode. Every answer after the first few on a
    // connection would be 40 ms late.
    server.set_tcp_nodelay(true);
    server.set_pre_routing_handler(
        [this, cdn](const httplib::Request& request, httplib::Response& response) {
          return handle(request, response, cdn);
        });
    if (options.request_log) {
      server.set_logger(
          [this, cdn](const httplib::Request& request, const httplib::Response& response) {
            std::string line = std::string(cdn ? "cdn " : "") + request.method + " " +
                               request.target + " " + std::to_string(response.status);
            if (response.has_header("X-Mirror-Fault")) {
              line += " (injected " + response.get_header_value("X-Mirror-Fault") + ")";
            }
            options.request_log(line);
          });
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
}

const std::string& Server::url() const {
  return impl_->url;
}

const std::string& Server::cdn_url() const {
  return impl_->cdn_url;
}

Result<std::unique_ptr<Server>> Server::start(ServerOptions options) {
  if (auto ok = validate_fault_options(options.faults); !ok) return tl::unexpected(ok.error());
  auto store = Store::open(options.mirror_dir);
  if (!store) return tl::unexpected(store.error());

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const ServerOptions& settings = impl->options;
  impl->configure(impl->api_server, false);
  impl->configure(impl->cdn_server, true);
  const auto bind = [&settings](httplib::Server& server, std::uint16_t port) -> int {
    // httplib listens with a backlog of 5, compiled into Debian's library: a client that opens
    // 20 connections at once (kernels lock does) had SYNs dropped and waited a second for their
    // retransmission. httplib hands the listening socket to this callback before binding it;
    // listening again on a listening socket only raises its backlog.
    int listening = -1;
    server.set_socket_options([&listening](socket_t socket) {
      httplib::default_socket_options(socket);
      listening = socket;
    });
    const int bound = port == 0 ? server.bind_to_any_port(settings.host)
                                : (server.bind_to_port(settings.host, port) ? port : -1);
    server.set_socket_options(httplib::default_socket_options);
    if (bound >= 0 && listening >= 0) (void)::listen(listening, SOMAXCONN);
    return bound;
  };
  const int port = bind(impl->api_server, settings.port);
  const int cdn_port = port < 0 ? -1 : bind(impl->cdn_server, settings.cdn_port);
  if (port < 0 || cdn_port < 0) {
    return fail(ErrorCode::network,
                "cannot listen on " + settings.host + " port " +
                    std::to_string(port < 0 ? settings.port : settings.cdn_port) +
                    " (in use, or not an address of this machine?); pick another --host or --port");
  }
  const std::string host = url_host(settings.host);
  impl->url = "http://" + host + ":" + std::to_string(port);
  impl->cdn_url = "http://" + host + ":" + std::to_string(cdn_port);

  HubApiOptions api_options;
  api_options.required_token = settings.required_token;
  api_options.tree_page_size = settings.tree_page_size;
  api_options.port = static_cast<std::uint16_t>(port);
  api_options.cdn_port = static_cast<std::uint16_t>(cdn_port);
  api_options.default_host = host;
  impl->api = std::make_unique<HubApi>(std::move(*store), std::move(api_options));

  Impl* state = impl.get();
  impl->threads.emplace_back([state] { state->api_server.listen_after_bind(); });
  impl->threads.emplace_back([state] { state->cdn_server.listen_after_bind(); });
  // httplib's stop() does nothing before the listener runs: wait for both, so that a stop right
  // after start cannot leave a thread serving forever.
  while (!state->api_server.is_running() || !state->cdn_server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->api_server.stop();
  impl_->cdn_server.stop();
  for (std::thread& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace kernels::mirror
