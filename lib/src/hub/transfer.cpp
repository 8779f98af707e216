#include "hub/transfer.hpp"

#include <algorithm>
#include <exception>

#include "kernels/hub/url.hpp"

#include "hub/easy_setup.hpp"
#include "hub/response_parsing.hpp"
#include "hub/transport_failure.hpp"

namespace kernels::detail {
namespace {

// Enough of an error body for the Hub layer's message; the rest is dropped, not an error.
constexpr std::size_t kErrorBodyLimit = 64 * 1024;
// The Hub's headers take a few KiB. The cap is ours, below libcurl's own (300 KB, reported as a
// receive error that would look transient): a server that never ends its headers is not retried.
constexpr std::size_t kHeaderBytesLimit = 256 * 1024;

bool is_followed_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool same_origin(const std::string& url, const std::string& origin) {
  if (origin.empty()) return false;
  const auto url_origin_text = url_origin(url);
  return url_origin_text && *url_origin_text == origin;
}

}  // namespace

Transfer::Transfer(std::size_t index, HttpRequest request, const ClientContext& context)
    : index_(index), request_(std::move(request)), context_(&context) {
  token_for_request_url_ = !context_->settings->bearer_token.empty() &&
                           same_origin(request_.url, context_->token_origin);
  if (context_->settings->request_deadline.count() > 0 &&
      std::holds_alternative<BufferedBody>(request_.body)) {
    deadline_ = Clock::now() + context_->settings->request_deadline;
  }
  restart_chain();
}

void Transfer::restart_chain() {
  url_ = request_.url;
  token_allowed_ = token_for_request_url_;
  redirects_.clear();
}

bool Transfer::streaming() const {
  return std::holds_alternative<StreamingBody>(request_.body);
}

std::optional<std::uint64_t> Transfer::next_range_start() const {
  if (!offset_known_) return request_.range_start;
  const std::uint64_t position = body_offset_ + delivered_;
  if (position == 0) return std::nullopt;
  return position;
}

Error Transfer::network_error(std::string message) const {
  if (url_ != request_.url) message += " (while fetching " + redact_url(request_.url) + ")";
  return Error{ErrorCode::network, std::move(message), redact_url(url_)};
}

std::string Transfer::deadline_text() const {
  auto host = url_host_port(url_);
  return "no complete answer from " + (host ? *host : redact_url(url_)) +
         " within the request deadline of " +
         std::to_string(context_->settings->request_deadline.count()) +
         " ms (KERNELS_REQUEST_TIMEOUT sets it; the server or the network is too slow)";
}

Result<CURL*> Transfer::start_hop() {
  hop_ = Hop{};
  hop_.timeout = context_->settings->attempt_timeout;
  if (deadline_) {
    using std::chrono::milliseconds;
    const auto left = std::chrono::duration_cast<milliseconds>(*deadline_ - Clock::now());
    if (left.count() <= 0) return tl::unexpected(network_error(deadline_text()));
    if (hop_.timeout.count() == 0 || left < hop_.timeout) {
      hop_.timeout = left;
      hop_.deadline_limited = true;
    }
  }
  body_.clear();
  abort_.reset();
  hop_.range_start = next_range_start();
  HopHeaders headers{&request_, {}, hop_.range_start, std::nullopt};
  if (token_allowed_) headers.bearer_token = context_->settings->bearer_token;
  if (offset_known_ && hop_.range_start) headers.if_range = validator_;
  auto list = build_header_list(headers);
  if (!list) return tl::unexpected(list.error());
  hop_.header_list = std::move(*list);

  EasyConfig config;
  config.settings = context_->settings;
  config.url = url_;
  config.method = request_.method;
  config.headers = hop_.header_list.get();
  config.share = context_->share;
  config.error_buffer = hop_.error.data();
  config.owner = this;
  config.on_header = &Transfer::header_thunk;
  config.on_body = &Transfer::body_thunk;
  config.timeout = hop_.timeout;
  auto easy = make_easy(config);
  if (!easy) return tl::unexpected(easy.error());
  hop_.easy = std::move(*easy);
  return hop_.easy.get();
}

// libcurl calls these from curl_multi_perform; nothing may propagate through C code, so a
// throwing sink becomes an aborted transfer.
std::size_t Transfer::deliver(void* self, bool (Transfer::*handler)(std::string_view), char* data,
                              std::size_t bytes) {
  auto* transfer = static_cast<Transfer*>(self);
  try {
    return (transfer->*handler)(std::string_view(data, bytes)) ? bytes : 0;
  } catch (const std::exception& error) {
    transfer->abort_with(Error{ErrorCode::failure, std::string("body sink threw: ") + error.what(),
                               redact_url(transfer->url_)});
  } catch (...) {
    transfer->abort_with(
        Error{ErrorCode::failure, "body sink threw an exception", redact_url(transfer->url_)});
  }
  return 0;
}

std::size_t Transfer::header_thunk(char* data, std::size_t size, std::size_t count, void* self) {
  return deliver(self, &Transfer::on_header_line, data, size * count);
}

std::size_t Transfer::body_thunk(char* data, std::size_t size, std::size_t count, void* self) {
  return deliver(self, &Transfer::on_body, data, size * count);
}

bool Transfer::abort_with(Error error) {
  if (!abort_) abort_ = std::move(error);
  return false;
}

bool Transfer::on_header_line(std::string_view line) {
  hop_.header_bytes += line.size();
  if (hop_.header_bytes > kHeaderBytesLimit) {
    return abort_with(network_error("the response headers are larger than the limit of " +
                                    std::to_string(kHeaderBytesLimit) +
                                    " bytes; the server does not answer as an HTTP server does"));
  }
  // Every response of the hop passes through here (1xx interim ones included): a status line
  // starts a new header block.
  if (const auto status = parse_status_line(line)) {
    hop_.status = *status;
    hop_.headers = HttpHeaders{};
    hop_.headers_done = false;
    return true;
  }
  if (hop_.headers_done) return true;  // trailers
  if (line == "\r\n" || line == "\n") {
    if (hop_.status >= 100 && hop_.status < 200) return true;
    hop_.headers_done = true;
    return on_headers_complete();
  }
  if (line.front() == ' ' || line.front() == '\t') return true;  // obsolete line folding
  if (auto field = parse_header_line(line)) {
    hop_.headers.add(std::move(field->name), std::move(field->value));
  }
  return true;
}

bool Transfer::on_headers_complete() {
  const int status = hop_.status;
  if (request_.follow_redirects && is_followed_redirect(status) &&
      hop_.headers.contains("Location")) {
    hop_.mode = BodyMode::discard;
    return true;
  }
  if (status >= 200 && status < 300) return accept_success_headers();
  hop_.mode = BodyMode::error_body;
  return true;
}

bool Transfer::accept_success_headers() {
  const bool is_get = request_.method == HttpMethod::get;
  const std::optional<std::uint64_t> asked = hop_.range_start;
  if (hop_.status == 206) {
    const auto header = hop_.headers.find("Content-Range");
    const auto range = header ? parse_content_range(*header) : std::nullopt;
    if (!range) {
      return abort_with(network_error("the server answered 206 without a valid Content-Range"));
    }
    if (range->first != asked.value_or(0)) {
      return abort_with(
          network_error("asked for bytes from " + std::to_string(asked.value_or(0)) +
                        " but the server sent Content-Range: " + std::string(*header)));
    }
    const auto etag = hop_.headers.find("ETag");
    if (offset_known_ && validator_ && etag && *etag != *validator_) {
      return abort_with(network_error("the resource changed while it was downloaded (ETag " +
                                      *validator_ + " became " + std::string(*etag) + ")"));
    }
    // A resumed body continues what the sink holds; a first one starts where the range does.
    if (!offset_known_) body_offset_ = range->first;
    resource_size_ = range->total;
  } else {
    // The whole body. When we asked for a range, the sink holds bytes a second copy would
    // duplicate: it has to start over, or the transfer fails.
    if (is_get && asked && *asked > 0 && streaming()) {
      const auto& sink = std::get<StreamingBody>(request_.body);
      if (!sink.on_restart) {
        return abort_with(
            network_error("the server sent the whole body instead of the range from byte " +
                          std::to_string(*asked) + ", and this download cannot start over"));
      }
      if (auto restarted = sink.on_restart(); !restarted) return abort_with(restarted.error());
    }
    delivered_ = 0;
    body_offset_ = 0;
    const auto length = hop_.headers.find("Content-Length");
    resource_size_ = length ? parse_decimal(*length) : std::nullopt;
  }
  offset_known_ = true;
  if (const auto etag = hop_.headers.find("ETag"); etag && is_strong_etag(*etag)) {
    validator_ = std::string(*etag);
  } else if (hop_.status != 206) {
    validator_.reset();
  }

  if (!streaming()) {
    const std::size_t cap = std::get<BufferedBody>(request_.body).max_bytes;
    const auto length = hop_.headers.find("Content-Length");
    const auto announced = length ? parse_decimal(*length) : std::nullopt;
    if (is_get && announced && *announced > cap) {
      return abort_with(network_error("the response body (" + std::to_string(*announced) +
                                      " bytes) is larger than the limit of " + std::to_string(cap) +
                                      " bytes"));
    }
  }
  hop_.mode = streaming() ? BodyMode::sink : BodyMode::buffer;
  return true;
}

bool Transfer::on_body(std::string_view data) {
  switch (hop_.mode) {
    case BodyMode::discard:
      return true;
    case BodyMode::error_body:
      body_.append(data.substr(0, kErrorBodyLimit - std::min(kErrorBodyLimit, body_.size())));
      return true;
    case BodyMode::buffer: {
      const std::size_t cap = std::get<BufferedBody>(request_.body).max_bytes;
      if (data.size() > cap - std::min(cap, body_.size())) {
        return abort_with(network_error("the response body is larger than the limit of " +
                                        std::to_string(cap) + " bytes"));
      }
      body_.append(data);
      return true;
    }
    case BodyMode::sink: {
      const auto& sink = std::get<StreamingBody>(request_.body);
      const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data.data()),
                                             data.size());
      if (auto accepted = sink.on_data(bytes); !accepted) return abort_with(accepted.error());
      delivered_ += data.size();
      return true;
    }
  }
  return true;
}

Transfer::Next Transfer::finish_hop(CURLcode code) {
  CurlFailureFacts facts{code, 0, false, false};
  if (code != CURLE_OK && hop_.easy) {
    curl_off_t connect_us = 0;
    curl_off_t pretransfer_us = 0;
    curl_off_t total_us = 0;
    curl_easy_getinfo(hop_.easy.get(), CURLINFO_OS_ERRNO, &facts.os_errno);
    curl_easy_getinfo(hop_.easy.get(), CURLINFO_CONNECT_TIME_T, &connect_us);
    curl_easy_getinfo(hop_.easy.get(), CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
    curl_easy_getinfo(hop_.easy.get(), CURLINFO_TOTAL_TIME_T, &total_us);
    facts.connected = connect_us > 0 || pretransfer_us > 0;
    const auto limit_us = hop_.timeout.count() * 1000;
    facts.hit_attempt_limit = limit_us > 0 && total_us >= limit_us * 9 / 10;
  }
  hop_.easy.reset();
  if (abort_) return Done{tl::unexpected(*abort_)};

  if (code == CURLE_OK) {
    if (hop_.mode == BodyMode::discard) return follow_redirect();
    if (!is_transient_status(hop_.status)) return finish_with_response();
    const AttemptOutcome outcome{
        TransportFailure::none, hop_.status,
        server_requested_delay(hop_.status, hop_.headers, std::chrono::system_clock::now())};
    return retry_or_finish(outcome, {});
  }
  const TransportFailure failure = classify_curl_failure(facts);
  auto host = url_host_port(url_);
  std::string text = describe_transport_failure(failure, host ? *host : redact_url(url_),
                                                hop_.error.data(), *context_->settings);
  if (failure == TransportFailure::timeout && hop_.deadline_limited) {
    return Done{tl::unexpected(network_error(deadline_text()))};
  }
  return retry_or_finish(AttemptOutcome{failure, 0, std::nullopt}, std::move(text));
}

Transfer::Next Transfer::follow_redirect() {
  const int limit = context_->settings->max_redirects;
  if (static_cast<int>(redirects_.size()) >= limit) {
    return Done{fail(
        ErrorCode::network,
        "more than " + std::to_string(limit) + " redirects; the server seems to redirect in a loop",
        redact_url(request_.url))};
  }
  const std::string location(*hop_.headers.find("Location"));
  auto next = resolve_url(url_, location);
  if (!next) {
    return Done{tl::unexpected(
        network_error("HTTP " + std::to_string(hop_.status) +
                      " redirects to an unusable location: " + next.error().message))};
  }
  redirects_.push_back(HttpRedirect{hop_.status, url_, std::move(hop_.headers)});
  // Once the chain has left the token's origin the token stays off for every later hop.
  token_allowed_ = token_allowed_ && same_origin(*next, context_->token_origin);
  url_ = std::move(*next);
  return Again{Clock::now()};
}

Transfer::Next Transfer::retry_or_finish(const AttemptOutcome& outcome, std::string failure_text) {
  const RetryDecision decision =
      decide_retry(context_->settings->retry, outcome, attempt_, context_->random_unit());
  if (!decision.retry) {
    if (outcome.failure == TransportFailure::none) return finish_with_response();
    return Done{tl::unexpected(network_error(failure_text + "; " + decision.reason))};
  }
  if (deadline_ && Clock::now() + decision.delay >= *deadline_) {
    if (outcome.failure == TransportFailure::none) return finish_with_response();
    return Done{tl::unexpected(network_error(failure_text + "; " + deadline_text()))};
  }
  if (!streaming()) {
    // A buffered body is small: start it over rather than resume.
    offset_known_ = false;
    delivered_ = 0;
  }
  if (context_->settings->on_retry) {
    HttpRetryEvent event{index_, redact_url(url_), attempt_, decision, std::nullopt};
    if (offset_known_) event.resume_from = next_range_start();
    context_->settings->on_retry(event);
  }
  ++attempt_;
  restart_chain();
  return Again{Clock::now() + decision.delay};
}

Transfer::Next Transfer::finish_with_response() {
  HttpResponse response;
  response.status = hop_.status;
  response.headers = std::move(hop_.headers);
  response.url = url_;
  response.redirects = std::move(redirects_);
  response.attempts = attempt_;
  if (!response.is_success()) {
    if (streaming() && delivered_ > 0) {
      return Done{
          tl::unexpected(network_error("the download broke after " + std::to_string(delivered_) +
                                       " bytes and the server answered the resumption with HTTP " +
                                       std::to_string(response.status)))};
    }
    response.body = std::move(body_);
    return Done{std::move(response)};
  }
  response.body_offset = body_offset_;
  response.resource_size = resource_size_;
  if (streaming()) {
    response.bytes_received = delivered_;
    if (const auto& sink = std::get<StreamingBody>(request_.body); sink.on_complete) {
      sink.on_complete();
    }
  } else {
    response.body = std::move(body_);
    response.bytes_received = response.body.size();
  }
  return Done{std::move(response)};
}

}  // namespace kernels::detail
