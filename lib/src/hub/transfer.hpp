#pragma once

// One request of a batch, from its first attempt to its result: the hops of each attempt
// (redirects and the token rule), the body sink, resumption and the retry decisions. The
// client's loop (http_client.cpp) only adds the easy handle each hop makes to the multi handle
// and calls finish_hop() when libcurl is done with it.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <curl/curl.h>

#include "kernels/hub/http.hpp"

#include "hub/curl_handles.hpp"

namespace kernels::detail {

struct ClientContext {
  const HttpSettings* settings = nullptr;
  // Origin (url_origin form) the bearer token belongs to; empty when there is no token.
  std::string token_origin;
  CURLSH* share = nullptr;
  std::function<double()> random_unit;
};

class Transfer {
 public:
  using Clock = std::chrono::steady_clock;
  struct Done {
    Result<HttpResponse> result;
  };
  // Start another hop (a redirect, at once) or attempt (a retry, after a delay).
  struct Again {
    Clock::time_point not_before;
  };
  using Next = std::variant<Done, Again>;

  Transfer(std::size_t index, HttpRequest request, const ClientContext& context);
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // The easy handle of the next hop; its callbacks point at this object, which must not move.
  [[nodiscard]] Result<CURL*> start_hop();
  // Called once libcurl finished the hop (the handle is already out of the multi handle).
  [[nodiscard]] Next finish_hop(CURLcode code);

  [[nodiscard]] std::size_t index() const { return index_; }
  [[nodiscard]] CURL* easy() const { return hop_.easy.get(); }

 private:
  enum class BodyMode { discard, buffer, sink, error_body };

  // What belongs to one hop; rebuilt by start_hop(). The easy handle is declared last so that
  // it is cleaned up before the header list and error buffer it points to.
  struct Hop {
    CurlSlistPtr header_list;
    std::array<char, CURL_ERROR_SIZE> error{};
    std::optional<std::uint64_t> range_start;
    int status = 0;
    HttpHeaders headers;
    bool headers_done = false;
    std::size_t header_bytes = 0;  // every header line of the hop, interim responses included
    BodyMode mode = BodyMode::discard;
    std::chrono::milliseconds timeout{0};  // this hop's CURLOPT_TIMEOUT_MS; 0: none
    bool deadline_limited = false;         // `timeout` is what was left of the deadline
    CurlEasyPtr easy;
  };

  static std::size_t header_thunk(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t body_thunk(char* data, std::size_t size, std::size_t count, void* self);
  // Runs `handler` on libcurl's bytes; an exception becomes an aborted transfer.
  static std::size_t deliver(void* self, bool (Transfer::*handler)(std::string_view), char* data,
                             std::size_t bytes);
  [[nodiscard]] bool on_header_line(std::string_view line);
  [[nodiscard]] bool on_headers_complete();
  [[nodiscard]] bool accept_success_headers();
  [[nodiscard]] bool on_body(std::string_view data);
  bool abort_with(Error error);

  [[nodiscard]] std::optional<std::uint64_t> next_range_start() const;
  [[nodiscard]] bool streaming() const;
  [[nodiscard]] Next follow_redirect();
  [[nodiscard]] Next retry_or_finish(const AttemptOutcome& outcome, std::string failure_text);
  [[nodiscard]] Next finish_with_response();
  void restart_chain();
  [[nodiscard]] Error network_error(std::string message) const;
  [[nodiscard]] std::string deadline_text() const;

  std::size_t index_;
  HttpRequest request_;
  const ClientContext* context_;
  bool token_for_request_url_ = false;

  // The current attempt's redirect chain.
  std::string url_;
  bool token_allowed_ = false;
  std::vector<HttpRedirect> redirects_;
  int attempt_ = 1;
  // HttpSettings::request_deadline applied to this request, when it applies.
  std::optional<Clock::time_point> deadline_;

  // What the sink holds: bytes [body_offset_, body_offset_ + delivered_) of the resource, once
  // offset_known_ (a 2xx response fixed body_offset_).
  bool offset_known_ = false;
  std::uint64_t body_offset_ = 0;
  std::uint64_t delivered_ = 0;
  std::optional<std::uint64_t> resource_size_;
  std::optional<std::string> validator_;  // strong ETag of the body the sink holds

  std::string body_;  // BufferedBody's body, or the start of an error body
  std::optional<Error> abort_;
  Hop hop_;
};

}  // namespace kernels::detail
