#pragma once

// The Hub's read-only HTTP API over a mirror directory, independent of any HTTP server: a request
// (method, raw target, a few headers) goes in, a reply (status, headers, body) comes out. The
// server (server.hpp) only moves bytes; tests can drive every route without a socket.
//
// Routes (reference/hub-api.md section 11), for kernel repos under /api/kernels/ and /kernels/,
// for model repos under /api/models/ and at the root:
//   GET  /api/{type}s/{org}/{name}/refs[?include_prs=1]
//   GET  /api/{type}s/{org}/{name}[/revision/{rev}]
//   GET  /api/{type}s/{org}/{name}/tree/{rev}[/{path}]?recursive=&expand=&cursor=
//   HEAD|GET /kernels/{org}/{name}/resolve/{rev}/{path}   and   /{org}/{name}/resolve/{rev}/{path}
//   GET  /api/organizations/{org}/overview
// and, on the second ("CDN") listener, GET|HEAD /lfs/{sha256}.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "kernels/mirror/store.hpp"

namespace kernels::mirror {

// What a handler needs to know of an HTTP request.
struct HubRequest {
  std::string method;         // "GET" or "HEAD"
  std::string target;         // the raw request target, percent-encoding intact: "/api/...?a=b"
  std::string host;           // the Host header ("127.0.0.1:8080"), empty when absent
  std::string authorization;  // the Authorization header, empty when absent
  std::string range;          // the Range header, empty when absent
};

// A byte range of a file on disk: the body of a file download.
struct FileBody {
  std::filesystem::path path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct HubReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  // No body, a body in memory (JSON), or a range of a file streamed from disk. A HEAD reply
  // carries the body GET would send, so that the server can announce its length.
  std::variant<std::monostate, std::string, FileBody> body;

  void set_header(std::string name, std::string value);
  // The value of a header (case-insensitive name), or nothing.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  [[nodiscard]] std::uint64_t body_size() const;
};

// The outcome of a Range header against a body of known size (RFC 9110 section 14).
struct ByteRange {
  enum class Kind { whole, partial, unsatisfiable };
  Kind kind = Kind::whole;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// `bytes=N-`, `bytes=N-M` and `bytes=-N` give a partial range (M is clipped to the end), or
// unsatisfiable when the range starts at or past the end; an absent, malformed or multi-range
// header is ignored (the whole body, which RFC 9110 allows).
[[nodiscard]] ByteRange parse_byte_range(std::string_view header, std::uint64_t size);

struct HubApiOptions {
  // When not empty, private and gated repos need `Authorization: Bearer <token>`, and any other
  // bearer token is refused (401 "Invalid credentials in Authorization header").
  std::string required_token;
  // Entries per page of a tree listing (the Hub's is 1000; 50 with expand=true, never more).
  std::size_t tree_page_size = 1000;
  // The ports of the API listener and of the CDN listener that LFS downloads are redirected to.
  std::uint16_t port = 0;
  std::uint16_t cdn_port = 0;
  // The host for absolute URLs (Link, Location) when a request has no usable Host header, as it
  // is written in a URL ("127.0.0.1", "[::1]").
  std::string default_host = "127.0.0.1";
};

namespace detail {
struct HubApiState;
}  // namespace detail

class HubApi {
 public:
  HubApi(Store store, HubApiOptions options);
  ~HubApi();
  HubApi(const HubApi&) = delete;
  HubApi& operator=(const HubApi&) = delete;

  // A request to the API listener. Safe to call from several threads at once.
  [[nodiscard]] HubReply handle(const HubRequest& request) const;
  // A request to the CDN listener.
  [[nodiscard]] HubReply handle_cdn(const HubRequest& request) const;

 private:
  std::unique_ptr<detail::HubApiState> state_;
};

}  // namespace kernels::mirror
