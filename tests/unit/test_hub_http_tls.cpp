// TLS verification is always on: a server with a certificate nobody vouches for is refused
// (and not retried), and the same server is accepted once its certificate is the CA bundle.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernels/hub/http.hpp"

#include "hub_test_server.hpp"

extern char** environ;

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};

// A self-signed certificate for 127.0.0.1 (subjectAltName IP), valid for a day.
struct SelfSigned {
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
  std::unique_ptr<X509, X509Free> cert;
};

SelfSigned make_self_signed() {
  SelfSigned made;
  made.key.reset(EVP_EC_gen("P-256"));
  REQUIRE(made.key);
  made.cert.reset(X509_new());
  X509* cert = made.cert.get();
  REQUIRE(X509_set_version(cert, 2) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert), -60) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert), 86400) != nullptr);
  REQUIRE(X509_set_pubkey(cert, made.key.get()) == 1);
  X509_NAME* name = X509_get_subject_name(cert);
  const std::string common_name = "kernels test server";
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1);
  REQUIRE(X509_set_issuer_name(cert, name) == 1);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  std::string alt_names = "IP:127.0.0.1";
  const std::unique_ptr<X509_EXTENSION, ExtensionFree> extension(
      X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, alt_names.data()));
  REQUIRE(extension);
  REQUIRE(X509_add_ext(cert, extension.get(), -1) == 1);
  REQUIRE(X509_sign(cert, made.key.get(), EVP_sha256()) > 0);
  return made;
}

std::filesystem::path write_key(const SelfSigned& made) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("kernels-test-key-" + std::to_string(::getpid()) + ".pem");
  std::FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  const int written =
      PEM_write_PrivateKey(file, made.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
  REQUIRE(written == 1);
  return path;
}

// A port nobody listens on now (bound, read, released): nghttpd needs one on its command line.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::filesystem::path write_pem(const SelfSigned& made) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("kernels-test-ca-" + std::to_string(::getpid()) + ".pem");
  std::FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  const int written = PEM_write_X509(file, made.cert.get());
  std::fclose(file);
  REQUIRE(written == 1);
  return path;
}

}  // namespace

TEST_CASE("http tls: peers are verified; a CA bundle setting makes a private CA trusted") {
  const SelfSigned made = make_self_signed();
  const std::filesystem::path ca_file = write_pem(made);
  httplib::SSLServer server(made.cert.get(), made.key.get());
  REQUIRE(server.is_valid());
  server.Get("/secure", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("over tls", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread thread([&] { server.listen_after_bind(); });
  // Stops and joins the server however the test ends.
  struct StopOnExit {
    httplib::Server& server;
    std::thread& thread;
    ~StopOnExit() {
      server.stop();
      thread.join();
    }
  } stop_on_exit{server, thread};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/secure";

  {
    auto settings = kernels::testing::fast_test_settings();
    int retries = 0;
    settings.on_retry = [&](const kernels::HttpRetryEvent&) { ++retries; };
    auto client = kernels::HttpClient::create(settings);
    REQUIRE(client.has_value());
    const auto refused = client->perform_one(kernels::testing::get_request(url));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == kernels::ErrorCode::network);
    CHECK(refused.error().message.find("TLS with 127.0.0.1:" + std::to_string(port)) !=
          std::string::npos);
    CHECK(refused.error().message.find("not retried") != std::string::npos);
    CHECK(retries == 0);
  }
  {
    auto settings = kernels::testing::fast_test_settings();
    settings.ca_bundle = ca_file.string();
    auto client = kernels::HttpClient::create(settings);
    REQUIRE(client.has_value());
    const auto accepted = client->perform_one(kernels::testing::get_request(url));
    REQUIRE(accepted.has_value());
    CHECK(accepted->status == 200);
    CHECK(accepted->body == "over tls");
  }
  std::filesystem::remove(ca_file);
}

// HTTP/2 against a real HTTP/2 server (nghttpd from Debian's nghttp2-server, TLS with ALPN): a
// batch of requests is answered over one connection, multiplexed on several streams, and every
// body arrives whole. The server's frame log is the witness of the protocol and the connection.
TEST_CASE("http2: a batch is multiplexed over one TLS connection to an HTTP/2 server") {
  const SelfSigned made = make_self_signed();
  const std::filesystem::path ca_file = write_pem(made);
  const std::filesystem::path key_file = write_key(made);
  const auto root =
      std::filesystem::temp_directory_path() / ("kernels-test-h2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "docs");
  constexpr int kFiles = 12;
  const auto content = [](int i) {
    return std::string(static_cast<std::size_t>(70000 + i), static_cast<char>('a' + i));
  };
  for (int i = 0; i < kFiles; ++i) {
    std::ofstream(root / "docs" / ("file" + std::to_string(i))) << content(i);
  }
  const std::string port = std::to_string(free_port());
  const std::string log = (root / "nghttpd.log").string();
  const std::string docs = "--htdocs=" + (root / "docs").string();
  std::vector<std::string> args = {"nghttpd",
                                   "-v",
                                   "--no-content-length",
                                   docs,
                                   "--address=127.0.0.1",
                                   port,
                                   key_file.string(),
                                   ca_file.string()};
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, "nghttpd", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE_MESSAGE(spawned == 0, "nghttpd (Debian package nghttp2-server) must be installed");
  struct KillOnExit {
    pid_t pid;
    std::filesystem::path root;
    ~KillOnExit() {
      if (pid > 0) {
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
      }
      std::error_code ignored;
      std::filesystem::remove_all(root, ignored);
    }
  } kill_on_exit{pid, root};

  auto settings = kernels::testing::fast_test_settings();
  settings.ca_bundle = ca_file.string();
  settings.jobs = 6;
  auto client = kernels::HttpClient::create(settings);
  REQUIRE(client.has_value());
  const std::string base = "https://127.0.0.1:" + port + "/file";
  // The server needs a moment to listen: the first request is retried until it answers.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!client->perform_one(kernels::testing::get_request(base + "0")).has_value()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<kernels::HttpRequest> requests;
  for (int i = 0; i < kFiles; ++i)
    requests.push_back(kernels::testing::get_request(base + std::to_string(i)));
  const auto responses = client->perform(std::move(requests));
  for (int i = 0; i < kFiles; ++i) {
    const auto& response = responses[static_cast<std::size_t>(i)];
    REQUIRE(response.has_value());
    CHECK(response->status == 200);
    CHECK(response->body == content(i));
  }
  std::filesystem::remove(ca_file);
  std::filesystem::remove(key_file);

  // nghttpd -v logs "[id=N] ... recv HEADERS frame <... stream_id=S>" for each request: N is
  // the connection (session), S the stream.
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  kill_on_exit.pid = 0;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  std::set<std::string> sessions;
  std::set<std::string> streams;
  std::string line;
  std::istringstream lines(text.str());
  while (std::getline(lines, line)) {
    if (line.find("recv HEADERS frame") == std::string::npos) continue;
    const auto id = line.find("[id=");
    const auto stream = line.find("stream_id=");
    if (id == std::string::npos || stream == std::string::npos) continue;
    sessions.insert(line.substr(id, line.find(']', id) - id));
    streams.insert(line.substr(stream, line.find('>', stream) - stream));
  }
  INFO(text.str().substr(0, 4000));
  // The warm-up request(s) and the batch: all HTTP/2 HEADERS, the batch on one connection.
  CHECK(streams.size() >= static_cast<std::size_t>(kFiles));
  CHECK(sessions.size() <= 2);  // a failed warm-up attempt may have opened one more
}
