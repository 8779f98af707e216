// `kernels serve DIR`: a read-only Hub-compatible server over a mirror directory.
#include <cstdint>
#include <memory>
#include <string>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct ServeOptions {
  std::string directory;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

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
  return Command{sub, [options](Context&) -> Result<void> {
                   return tl::unexpected(not_implemented("serve"));
                 }};
}

}  // namespace kernels::cli
