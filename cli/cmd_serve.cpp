// `kernels serve DIR`: a read-only Hub-compatible server over a mirror directory.
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <pthread.h>

#include "kernels/mirror/server.hpp"

#include "command.hpp"

namespace kernels::cli {
namespace {

constexpr const char* kTestingGroup = "Testing aids";

struct ServeOptions {
  std::string directory;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::uint16_t cdn_port = 0;
  std::string require_token;
  std::size_t tree_page_size = 1000;
  std::size_t threads = 32;
  mirror::FaultOptions faults;
};

// Serves until SIGINT or SIGTERM. The signals are blocked before the server's threads start (they
// inherit the mask) and taken here with sigwait, so no handler runs on an arbitrary thread.
Result<void> run_serve(const ServeOptions& options, Context& context) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that disconnects mid-body must not kill the server (httplib writes with send()).
  std::signal(SIGPIPE, SIG_IGN);

  mirror::ServerOptions settings;
  settings.mirror_dir = options.directory;
  settings.host = options.host;
  settings.port = options.port;
  settings.cdn_port = options.cdn_port;
  settings.required_token = options.require_token;
  settings.tree_page_size = options.tree_page_size;
  settings.threads = options.threads;
  settings.faults = options.faults;
  if (context.global.verbosity > 0) {
    settings.request_log = [](std::string_view line) {
      std::fprintf(stderr, "kernels serve: %.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  auto server = mirror::Server::start(std::move(settings));
  if (!server) return tl::unexpected(server.error());

  if (context.out.json()) {
    context.out.json_document(
        nlohmann::json{{"url", (*server)->url()}, {"cdn_url", (*server)->cdn_url()}}.dump());
  } else {
    context.out.line((*server)->url());
  }
  std::fflush(stdout);
  context.out.note("serving " + options.directory + " at " + (*server)->url() + " (LFS files at " +
                   (*server)->cdn_url() + "); stop with Ctrl-C");

  int received = 0;
  sigwait(&stop_signals, &received);
  (*server)->stop();
  return {};
}

}  // namespace

Command setup_serve(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve", "Serve a mirror directory read-only with the Hub's HTTP API (for HF_ENDPOINT)");
  sub->add_option("directory", options->directory, "Mirror directory")
      ->required()
      ->type_name("DIR");
  sub->add_option("--host", options->host, "Address to listen on")->capture_default_str();
  sub->add_option("--port", options->port, "Port to listen on (0 picks a free one)")
      ->capture_default_str();
  sub->add_option("--cdn-port", options->cdn_port,
                  "Port of the second listener LFS downloads are redirected to (0: a free one)")
      ->capture_default_str();
  sub->add_option("--require-token", options->require_token,
                  "Private and gated repos need 'Authorization: Bearer TOKEN'; other tokens are "
                  "refused")
      ->type_name("TOKEN");
  sub->add_option("--tree-page-size", options->tree_page_size,
                  "Entries per page of a tree listing (Link pagination; at most 50 with expand)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->capture_default_str();
  sub->add_option("--threads", options->threads, "Worker threads per listener")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
      ->capture_default_str();

  sub->add_option("--latency-ms", options->faults.latency_ms, "Delay every request by N ms")
      ->type_name("N")
      ->group(kTestingGroup);
  sub->add_option("--trickle-bytes-per-second", options->faults.trickle_bytes_per_second,
                  "Send every response body N bytes a second (a server too slow to be useful)")
      ->type_name("N")
      ->group(kTestingGroup);
  sub->add_option("--error-rate", options->faults.error_rate,
                  "Share of requests answered 500 Internal Server Error")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0))
      ->group(kTestingGroup);
  sub->add_option("--rate-limit-rate", options->faults.rate_limit_rate,
                  "Share of requests answered 429 Too Many Requests with Retry-After: 1")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0))
      ->group(kTestingGroup);
  sub->add_option("--truncate-rate", options->faults.truncate_rate,
                  "Share of requests whose body is cut in half (full Content-Length announced, "
                  "then the connection closes)")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0))
      ->group(kTestingGroup);
  sub->add_option("--corrupt-rate", options->faults.corrupt_rate,
                  "Share of file downloads sent with their first byte changed (same length)")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0))
      ->group(kTestingGroup);
  sub->add_option("--drop-rate", options->faults.drop_rate,
                  "Share of requests whose connection is closed without a response")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0))
      ->group(kTestingGroup);
  sub->add_option("--seed", options->faults.seed,
                  "Seed of the fault choice: the same seed and request order give the same faults")
      ->type_name("N")
      ->capture_default_str()
      ->group(kTestingGroup);
  sub->footer(
      "Prints one line, the base URL (HF_ENDPOINT), once it accepts requests; serves until\n"
      "SIGINT or SIGTERM. -v logs one line per request on stderr. Faults apply to both listeners,\n"
      "a request gets at most one, and the rates must add up to at most 1.");
  return Command{
      sub, [options](Context& context) -> Result<void> { return run_serve(*options, context); }};
}

}  // namespace kernels::cli
