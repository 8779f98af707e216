#include <string>

#include <doctest/doctest.h>

#include "kernels/hub/url.hpp"

using kernels::redact_url;

TEST_CASE("url: redact_url removes user information") {
  CHECK(redact_url("https://user:pass@hub.example/x") == "https://hub.example/x");
  CHECK(redact_url("https://hf_token@hub.example:8443/x") == "https://hub.example:8443/x");
  CHECK(redact_url("http://a:b@c@127.0.0.1:1234/") == "http://127.0.0.1:1234/");
  // An @ in the path is not user information.
  CHECK(redact_url("https://hub.example/org/model@v2/file") ==
        "https://hub.example/org/model@v2/file");
  // Without a scheme the authority still loses its credentials.
  CHECK(redact_url("user:pw@host/x") == "host/x");
}

TEST_CASE("url: redact_url hides credential-like query and fragment values") {
  CHECK(redact_url("https://hub.example/x?token=abc&revision=main") ==
        "https://hub.example/x?token=REDACTED&revision=main");
  CHECK(redact_url("https://cdn.example/lfs/469c?X-Amz-Expires=3600&X-Amz-Signature=abc&"
                   "X-Amz-Credential=AK%2F1&X-Amz-Security-Token=zz&X-Amz-Date=20260101") ==
        "https://cdn.example/lfs/469c?X-Amz-Expires=3600&X-Amz-Signature=REDACTED&"
        "X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Date=20260101");
  CHECK(redact_url("https://cdn.example/f?Expires=1&Policy=p&Signature=s&Key-Pair-Id=k") ==
        "https://cdn.example/f?Expires=1&Policy=REDACTED&Signature=REDACTED&Key-Pair-Id=REDACTED");
  CHECK(redact_url("https://blob.example/f?sv=2020&sig=abc") ==
        "https://blob.example/f?sv=2020&sig=REDACTED");
  CHECK(redact_url("https://h.example/cb?code=xyz&state=1#access_token=t&x=1") ==
        "https://h.example/cb?code=REDACTED&state=1#access_token=REDACTED&x=1");
  CHECK(redact_url("https://h.example/x?API_KEY=k&password=p&client_secret=s") ==
        "https://h.example/x?API_KEY=REDACTED&password=REDACTED&client_secret=REDACTED");
  // A name without a value and an empty query stay as they are.
  CHECK(redact_url("https://h.example/x?token&flag=") == "https://h.example/x?token&flag=");
  CHECK(redact_url("https://h.example/x?") == "https://h.example/x?");
}

TEST_CASE("url: redact_url leaves ordinary URLs alone") {
  for (const char* url :
       {"http://127.0.0.1:8080/api/kernels/kernels-community/relu/refs",
        "https://huggingface.co/kernels/o/n/resolve/main/build/x/metadata.json",
        "https://hub.example/api/kernels/o/n/tree/main?recursive=true&expand=false", "", "x"}) {
    CAPTURE(url);
    CHECK(redact_url(url) == url);
  }
}

TEST_CASE("url: the origin a token belongs to") {
  CHECK(kernels::url_origin("https://Hub.Example/x?y=1") == "https://hub.example:443");
  CHECK(kernels::url_origin("HTTP://127.0.0.1:8080/a") == "http://127.0.0.1:8080");
  CHECK(kernels::url_origin("http://localhost/") == "http://localhost:80");
  CHECK(kernels::url_origin("https://user:pw@hub.example:8443") == "https://hub.example:8443");
  CHECK(kernels::url_origin("http://[::1]:9/") == "http://[::1]:9");
  for (const char* bad :
       {"ftp://hub.example/", "file:///etc/passwd", "not a url", "/relative", ""}) {
    CAPTURE(bad);
    const auto origin = kernels::url_origin(bad);
    REQUIRE_FALSE(origin.has_value());
    CHECK(origin.error().code == kernels::ErrorCode::invalid_input);
  }
}

TEST_CASE("url: host and port for messages") {
  CHECK(kernels::url_host_port("http://127.0.0.1:1234/x") == "127.0.0.1:1234");
  CHECK(kernels::url_host_port("https://hub.example/x") == "hub.example:443");
}

TEST_CASE("url: resolving a redirect's Location") {
  const std::string base = "http://127.0.0.1:1/a/b/c?q=1";
  CHECK(kernels::resolve_url(base, "d") == "http://127.0.0.1:1/a/b/d");
  CHECK(kernels::resolve_url(base, "/x/y") == "http://127.0.0.1:1/x/y");
  CHECK(kernels::resolve_url(base, "../z?k=v") == "http://127.0.0.1:1/a/z?k=v");
  CHECK(kernels::resolve_url(base, "?only=query") == "http://127.0.0.1:1/a/b/c?only=query");
  CHECK(kernels::resolve_url(base, "//other.example:2/p") == "http://other.example:2/p");
  CHECK(kernels::resolve_url(base, "https://cdn.example/lfs/1?X-Amz-Signature=s") ==
        "https://cdn.example/lfs/1?X-Amz-Signature=s");
  for (const char* bad : {"file:///etc/passwd", "ftp://files.example/x", "gopher://x/"}) {
    CAPTURE(bad);
    CHECK_FALSE(kernels::resolve_url(base, bad).has_value());
  }
  CHECK_FALSE(kernels::resolve_url("ftp://x/", "y").has_value());
}
