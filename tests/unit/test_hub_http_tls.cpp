// TLS verification is always on: a server with a certificate nobody vouches for is refused
// (and not retried), and the same server is accepted once its certificate is the CA bundle.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include "kernels/hub/http.hpp"

#include "hub_test_server.hpp"

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
