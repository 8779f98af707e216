// HttpClient: the libcurl multi loop. It keeps `jobs` transfers running, starts redirects at
// once and retries when their delay is over, and waits in curl_multi_poll (never in a sleep) so
// that the transfers still running keep moving while others wait for a retry.

#include <algorithm>
#include <limits>
#include <memory>
#include <random>

#include "kernels/hub/http.hpp"
#include "kernels/hub/url.hpp"

#include "hub/curl_handles.hpp"
#include "hub/easy_setup.hpp"
#include "hub/transfer.hpp"

namespace kernels {

using detail::Transfer;

struct HttpClient::Impl {
  HttpSettings settings;
  // Declared before the multi handle so that the multi handle, and every connection it caches,
  // is gone before the share is cleaned up.
  detail::CurlSharePtr share;
  detail::CurlMultiPtr multi;
  std::mt19937_64 generator{std::random_device{}()};
  detail::ClientContext context;

  std::vector<Result<HttpResponse>> run(std::vector<HttpRequest> requests);
};

namespace {

Result<void> configure_multi(CURLM* multi, int jobs) {
  const long connections = jobs;
  CURLMcode status = curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
  if (status == CURLM_OK) {
    status = curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  }
  // The connection cache outlives each batch; keep as many idle connections as we may use.
  if (status == CURLM_OK) status = curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections);
  if (status == CURLM_OK) {
    status = curl_multi_setopt(multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  }
  if (status != CURLM_OK) {
    return fail(ErrorCode::failure,
                std::string("libcurl refused a multi option: ") + curl_multi_strerror(status));
  }
  return {};
}

// DNS answers and TLS sessions shared by every easy handle of the client, so that the many short
// transfers of a batch do not resolve and handshake from scratch. One thread uses the client at a
// time, so the share needs no lock callbacks.
Result<detail::CurlSharePtr> make_share() {
  detail::CurlSharePtr share(curl_share_init());
  if (!share) return fail(ErrorCode::failure, "libcurl could not create a share handle");
  if (curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
      curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
    return fail(ErrorCode::failure, "libcurl could not share DNS and TLS session caches");
  }
  return share;
}

}  // namespace

Result<HttpClient> HttpClient::create(HttpSettings settings) {
  if (settings.jobs < 1) {
    return fail(ErrorCode::invalid_input,
                "the number of parallel transfers must be at least 1, got " +
                    std::to_string(settings.jobs));
  }
  if (settings.max_redirects < 0) {
    return fail(ErrorCode::invalid_input, "the redirect limit must not be negative");
  }
  if (!detail::ensure_curl_initialized()) {
    return fail(ErrorCode::failure, "libcurl could not be initialised");
  }
  auto impl = std::make_unique<Impl>();
  if (!settings.bearer_token.empty()) {
    auto origin = url_origin(settings.token_origin);
    if (!origin) {
      return fail(ErrorCode::invalid_input,
                  "a token was given without the endpoint it belongs to: " + origin.error().message,
                  origin.error().location);
    }
    impl->context.token_origin = std::move(*origin);
  }
  impl->multi.reset(curl_multi_init());
  if (!impl->multi) return fail(ErrorCode::failure, "libcurl could not create a multi handle");
  if (auto configured = configure_multi(impl->multi.get(), settings.jobs); !configured) {
    return tl::unexpected(configured.error());
  }
  auto share = make_share();
  if (!share) return tl::unexpected(share.error());
  impl->share = std::move(*share);
  impl->settings = std::move(settings);

  Impl* raw = impl.get();
  impl->context.settings = &raw->settings;
  impl->context.share = raw->share.get();
  if (raw->settings.random_unit) {
    impl->context.random_unit = raw->settings.random_unit;
  } else {
    impl->context.random_unit = [raw] {
      return std::uniform_real_distribution<double>(0.0, 1.0)(raw->generator);
    };
  }
  return HttpClient(std::move(impl));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

std::vector<Result<HttpResponse>> HttpClient::perform(std::vector<HttpRequest> requests) {
  return impl_->run(std::move(requests));
}

Result<HttpResponse> HttpClient::perform_one(HttpRequest request) {
  std::vector<HttpRequest> batch;
  batch.push_back(std::move(request));
  return std::move(perform(std::move(batch)).front());
}

std::vector<Result<HttpResponse>> HttpClient::Impl::run(std::vector<HttpRequest> requests) {
  using Clock = Transfer::Clock;
  const std::size_t count = requests.size();
  std::vector<std::optional<Result<HttpResponse>>> results(count);
  std::vector<std::unique_ptr<Transfer>> transfers(count);
  // Transfers waiting to start their next hop, with the earliest time they may.
  std::vector<std::pair<Transfer*, Clock::time_point>> waiting;
  std::vector<std::string> redacted_urls;  // for errors about requests already moved away
  for (std::size_t i = 0; i < count; ++i) {
    redacted_urls.push_back(redact_url(requests[i].url));
    if (auto valid = detail::validate_request(requests[i]); !valid) {
      results[i] = tl::unexpected(valid.error());
      continue;
    }
    transfers[i] = std::make_unique<Transfer>(i, std::move(requests[i]), context);
    waiting.emplace_back(transfers[i].get(), Clock::now());
  }

  CURLM* handle = multi.get();
  const auto jobs = static_cast<std::size_t>(settings.jobs);
  std::size_t active = 0;
  // Every request without a result gets `message` as its error.
  const auto fail_unfinished = [&](const std::string& message) {
    for (std::size_t i = 0; i < count; ++i) {
      if (results[i]) continue;
      if (transfers[i] && transfers[i]->easy() != nullptr) {
        curl_multi_remove_handle(handle, transfers[i]->easy());
      }
      results[i] = tl::unexpected(Error{ErrorCode::failure, message, redacted_urls[i]});
    }
  };
  const auto finish = [&](Transfer& transfer, Transfer::Next next) {
    if (auto* done = std::get_if<Transfer::Done>(&next)) {
      results[transfer.index()] = std::move(done->result);
    } else {
      waiting.emplace_back(&transfer, std::get<Transfer::Again>(next).not_before);
    }
  };

  while (active > 0 || !waiting.empty()) {
    if (settings.cancel_requested && settings.cancel_requested()) {
      fail_unfinished("interrupted before the transfer finished");
      break;
    }

    // Start what may start, in request order, up to `jobs` at a time.
    const auto now = Clock::now();
    for (auto it = waiting.begin(); it != waiting.end() && active < jobs;) {
      if (it->second > now) {
        ++it;
        continue;
      }
      Transfer& transfer = *it->first;
      it = waiting.erase(it);
      auto easy = transfer.start_hop();
      if (!easy) {
        results[transfer.index()] = tl::unexpected(easy.error());
      } else if (const CURLMcode added = curl_multi_add_handle(handle, *easy); added != CURLM_OK) {
        results[transfer.index()] =
            fail(ErrorCode::failure,
                 std::string("libcurl could not start a transfer: ") + curl_multi_strerror(added));
      } else {
        ++active;
      }
    }

    int running = 0;
    if (const CURLMcode performed = curl_multi_perform(handle, &running); performed != CURLM_OK) {
      fail_unfinished(std::string("libcurl failed: ") + curl_multi_strerror(performed));
      break;
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(handle, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;
      char* owner = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &owner);
      curl_multi_remove_handle(handle, easy);
      --active;
      auto* transfer = static_cast<Transfer*>(static_cast<void*>(owner));
      finish(*transfer, transfer->finish_hop(code));
    }
    if (active == 0 && waiting.empty()) break;

    // Wait for socket activity, curl's next timeout, the next retry, or the next cancel check.
    long timeout_ms = 1000;
    if (settings.cancel_requested) timeout_ms = 100;
    long curl_timeout = -1;
    curl_multi_timeout(handle, &curl_timeout);
    if (curl_timeout >= 0) timeout_ms = std::min(timeout_ms, curl_timeout);
    // Waiting transfers matter only while a slot is free; otherwise the end of an active one
    // wakes the poll. A transfer that may start now means no wait at all.
    if (active < jobs) {
      const auto wake = Clock::now();
      for (const auto& [transfer, not_before] : waiting) {
        const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(not_before - wake);
        timeout_ms =
            std::min<long>(timeout_ms, std::max<long>(0, static_cast<long>(until.count())));
      }
    }
    if (timeout_ms > 0) {
      curl_multi_poll(handle, nullptr, 0, static_cast<int>(timeout_ms), nullptr);
    }
  }

  std::vector<Result<HttpResponse>> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(results[i] ? std::move(*results[i])
                             : Result<HttpResponse>(tl::unexpected(
                                   Error{ErrorCode::failure, "the transfer never finished (a bug)",
                                         redacted_urls[i]})));
  }
  return out;
}

}  // namespace kernels
