#include "hub/transport_failure.hpp"

#include <cerrno>

namespace kernels::detail {

TransportFailure classify_curl_failure(const CurlFailureFacts& facts) {
  switch (facts.code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportFailure::resolve;
    case CURLE_COULDNT_CONNECT:
      return facts.os_errno == ECONNREFUSED ? TransportFailure::connect_refused
                                            : TransportFailure::connect_failed;
    case CURLE_OPERATION_TIMEDOUT:
      if (!facts.connected) return TransportFailure::connect_timeout;
      return facts.hit_attempt_limit ? TransportFailure::timeout : TransportFailure::stalled;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    // A TLS handshake cut short (reset by an overloaded peer) is worth another try; a
    // certificate problem below is not.
    case CURLE_SSL_CONNECT_ERROR:
      return TransportFailure::connection_reset;
    case CURLE_PARTIAL_FILE:
      return TransportFailure::partial_body;
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_WEIRD_SERVER_REPLY:
      return TransportFailure::protocol;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
      return TransportFailure::tls;
    default:
      return TransportFailure::other;
  }
}

std::string describe_transport_failure(TransportFailure failure, std::string_view host_port,
                                       std::string_view curl_detail, const HttpSettings& settings) {
  const std::string host(host_port);
  std::string text;
  switch (failure) {
    case TransportFailure::none:
    case TransportFailure::other:
      text = "the transfer from " + host + " failed";
      break;
    case TransportFailure::resolve:
      text = "could not resolve the host of " + host +
             " — check the endpoint URL, the network and the proxy settings";
      break;
    case TransportFailure::connect_refused:
      text = "connection refused by " + host + " — is the server running?";
      break;
    case TransportFailure::connect_failed:
      text = "could not connect to " + host + " — is the network up?";
      break;
    case TransportFailure::connect_timeout:
      text = "no connection to " + host + " within " +
             std::to_string(settings.connect_timeout.count()) + " ms";
      break;
    case TransportFailure::timeout:
      text = "the transfer from " + host + " took longer than " +
             std::to_string(settings.attempt_timeout.count()) + " ms";
      break;
    case TransportFailure::stalled:
      text = "the transfer from " + host + " stalled (less than " +
             std::to_string(settings.stall_bytes_per_second) + " bytes/s for " +
             std::to_string(settings.stall_time.count()) + " s)";
      break;
    case TransportFailure::connection_reset:
      text = "the connection to " + host + " broke";
      break;
    case TransportFailure::partial_body:
      text = "the connection to " + host + " closed before the whole body arrived";
      break;
    case TransportFailure::protocol:
      text = "the server at " + host + " sent a malformed or reset HTTP reply";
      break;
    case TransportFailure::tls:
      text = "TLS with " + host +
             " failed (is the certificate trusted? a CA bundle can be set in the settings)";
      break;
  }
  if (!curl_detail.empty()) text += " (curl: " + std::string(curl_detail) + ")";
  return text;
}

}  // namespace kernels::detail
