// The Hub request builders: URLs byte for byte as huggingface_hub builds them (hub-api.md 1.3),
// methods, redirect handling and body caps.

#include <string>
#include <variant>

#include <doctest/doctest.h>

#include "kernels/hub/hub_requests.hpp"

#include "hub_api_fixtures.hpp"

using kernels::BufferedBody;
using kernels::HttpMethod;
using kernels::HttpRequest;
using kernels::HubEndpoint;
using kernels::RepoRef;
using kernels::RepoType;

namespace {

const HubEndpoint kEndpoint{"http://127.0.0.1:8080"};
const RepoRef kKernel{"kernels-community/relu", RepoType::kernel};
const RepoRef kModel{"kernels-community/relu", RepoType::model};
const std::string kSha(kernels::testing::kCommit);

std::size_t body_cap(const HttpRequest& request) {
  REQUIRE(std::holds_alternative<BufferedBody>(request.body));
  return std::get<BufferedBody>(request.body).max_bytes;
}

std::string header(const HttpRequest& request, std::string_view name) {
  for (const auto& field : request.headers) {
    if (field.name == name) return field.value;
  }
  return "<absent>";
}

}  // namespace

TEST_CASE("hub requests: quote_segment and quote_path follow Python's urllib.parse.quote") {
  using kernels::quote_path;
  using kernels::quote_segment;
  CHECK(quote_segment("v1") == "v1");
  CHECK(quote_segment("refs/heads/v1") == "refs%2Fheads%2Fv1");
  CHECK(quote_segment("refs/pr/1") == "refs%2Fpr%2F1");
  CHECK(quote_segment("feature/x") == "feature%2Fx");
  CHECK(quote_segment("A-z_0.9~") == "A-z_0.9~");
  CHECK(quote_segment("a b+c&d=e#f") == "a%20b%2Bc%26d%3De%23f");
  CHECK(quote_segment("\xc3\xa9") == "%C3%A9");
  CHECK(quote_segment(std::string("a\0b", 3)) == "a%00b");
  // huggingface_hub's own test vector (tests/test_file_download.py).
  CHECK(quote_path("subfolder/to?/awful?filename%you:should,never.give") ==
        "subfolder/to%3F/awful%3Ffilename%25you%3Ashould%2Cnever.give");
  CHECK(quote_path("build/torch28-cpu/relu/__init__.py") == "build/torch28-cpu/relu/__init__.py");
}

TEST_CASE("hub requests: refs and repo info URLs for kernel and model repos") {
  const HttpRequest refs = kernels::refs_request(kEndpoint, kKernel);
  CHECK(refs.method == HttpMethod::get);
  CHECK(refs.url == "http://127.0.0.1:8080/api/kernels/kernels-community/relu/refs");
  CHECK(refs.follow_redirects);
  CHECK(body_cap(refs) == kernels::kMaxRefsBytes);
  CHECK(kernels::refs_request(kEndpoint, kModel).url ==
        "http://127.0.0.1:8080/api/models/kernels-community/relu/refs");

  const HttpRequest info = kernels::repo_info_request(kEndpoint, kKernel, kSha);
  CHECK(info.url ==
        "http://127.0.0.1:8080/api/kernels/kernels-community/relu/revision/"
        "d649efb56fb249ac8f7a57fa1866728ad0c60e52");
  CHECK(body_cap(info) == kernels::kMaxRepoInfoBytes);
  CHECK(kernels::repo_info_request(kEndpoint, kModel, std::nullopt).url ==
        "http://127.0.0.1:8080/api/models/kernels-community/relu");
  CHECK(kernels::repo_info_request(kEndpoint, kKernel, "refs/pr/1").url ==
        "http://127.0.0.1:8080/api/kernels/kernels-community/relu/revision/refs%2Fpr%2F1");
}

TEST_CASE("hub requests: tree URLs always carry recursive and expand") {
  const HttpRequest root = kernels::tree_request(kEndpoint, kKernel, kSha, "", true);
  CHECK(root.url ==
        "http://127.0.0.1:8080/api/kernels/kernels-community/relu/tree/"
        "d649efb56fb249ac8f7a57fa1866728ad0c60e52?recursive=true&expand=false");
  CHECK(body_cap(root) == kernels::kMaxTreePageBytes);
  // What the reference's get_variants sends.
  CHECK(kernels::tree_request(kEndpoint, kKernel, "v1", "build", false).url ==
        "http://127.0.0.1:8080/api/kernels/kernels-community/relu/tree/v1/"
        "build?recursive=false&expand=false");
  // A full ref name and a nested path_in_repo are one segment each (hub-api.md 1.3).
  CHECK(kernels::tree_request(kEndpoint, kModel, "refs/heads/v1", "build/torch", false, true).url ==
        "http://127.0.0.1:8080/api/models/kernels-community/relu/tree/refs%2Fheads%2Fv1/"
        "build%2Ftorch?recursive=false&expand=true");
  const HttpRequest next = kernels::tree_next_page_request("http://h/x?cursor=MTAwMA%3D%3D");
  CHECK(next.url == "http://h/x?cursor=MTAwMA%3D%3D");
  CHECK(body_cap(next) == kernels::kMaxTreePageBytes);
}

TEST_CASE("hub requests: resolve HEAD does not follow redirects and asks for identity") {
  const std::string path = "build/torch28-cxx11-cu128-x86_64-linux/metadata.json";
  const HttpRequest head = kernels::resolve_head_request(kEndpoint, kKernel, kSha, path);
  CHECK(head.method == HttpMethod::head);
  CHECK_FALSE(head.follow_redirects);
  CHECK(header(head, "Accept-Encoding") == "identity");
  CHECK(head.url ==
        "http://127.0.0.1:8080/kernels/kernels-community/relu/resolve/"
        "d649efb56fb249ac8f7a57fa1866728ad0c60e52/" +
            path);
  CHECK(kernels::resolve_head_request(kEndpoint, kModel, "refs/pr/1", "a b/c?.txt").url ==
        "http://127.0.0.1:8080/kernels-community/relu/resolve/refs%2Fpr%2F1/a%20b/c%3F.txt");

  const HttpRequest get = kernels::resolve_get_request(kEndpoint, kKernel, "main", "x.json");
  CHECK(get.method == HttpMethod::get);
  CHECK(get.follow_redirects);
  CHECK(get.url == "http://127.0.0.1:8080/kernels/kernels-community/relu/resolve/main/x.json");

  const HttpRequest status = kernels::kernel_status_request(kEndpoint, kKernel, "main");
  CHECK(status.url ==
        "http://127.0.0.1:8080/kernels/kernels-community/relu/resolve/main/kernel-status.toml");
  CHECK(body_cap(status) == kernels::kMaxKernelStatusBytes);
}

TEST_CASE("hub requests: only relative redirects of a resolve HEAD are followed") {
  using kernels::testing::make_response;
  const std::string asked = "http://127.0.0.1:8080/kernels-community/relu/resolve/main/config.json";
  // hub-api.md 2.7 (a'): the real Hub's 307 to its resolve cache.
  const auto relative = make_response(
      307, "", {{"Location", "/api/resolve-cache/models/o/n/abc/config.json?e=1"}}, asked);
  const auto next = kernels::follow_relative_resolve_redirect(relative);
  REQUIRE(next.has_value());
  CHECK(next->method == HttpMethod::head);
  CHECK_FALSE(next->follow_redirects);
  CHECK(next->url == "http://127.0.0.1:8080/api/resolve-cache/models/o/n/abc/config.json?e=1");
  CHECK(header(*next, "Accept-Encoding") == "identity");

  CHECK_FALSE(kernels::follow_relative_resolve_redirect(make_response(
      302, "", {{"Location", "http://127.0.0.1:8081/lfs/abc?X-Amz-Signature=s"}}, asked)));
  CHECK_FALSE(kernels::follow_relative_resolve_redirect(
      make_response(302, "", {{"Location", "//cdn.example/lfs/abc"}}, asked)));
  CHECK_FALSE(kernels::follow_relative_resolve_redirect(make_response(200, "", {}, asked)));
  CHECK_FALSE(kernels::follow_relative_resolve_redirect(make_response(302, "", {}, asked)));
}

TEST_CASE("hub requests: endpoints, organization overview and web URLs") {
  const auto endpoint = kernels::make_hub_endpoint("http://mirror.example:9000/hub//");
  REQUIRE(endpoint.has_value());
  CHECK(endpoint->url == "http://mirror.example:9000/hub");
  CHECK(kernels::refs_request(*endpoint, kKernel).url ==
        "http://mirror.example:9000/hub/api/kernels/kernels-community/relu/refs");
  CHECK_FALSE(kernels::make_hub_endpoint("ftp://mirror.example").has_value());
  CHECK_FALSE(kernels::make_hub_endpoint("mirror.example").has_value());
  const auto with_query = kernels::make_hub_endpoint("https://hub.example/?x=1");
  REQUIRE_FALSE(with_query.has_value());
  CHECK(with_query.error().code == kernels::ErrorCode::invalid_input);

  CHECK(kernels::org_overview_request(kEndpoint, "kernels-community").url ==
        "http://127.0.0.1:8080/api/organizations/kernels-community/overview");
  CHECK(kernels::repo_web_url(kEndpoint, kKernel) ==
        "http://127.0.0.1:8080/kernels/kernels-community/relu");
  CHECK(kernels::repo_web_url(kEndpoint, kModel) == "http://127.0.0.1:8080/kernels-community/relu");
  // A repo id that was never checked still cannot add a query or leave its path.
  CHECK(kernels::refs_request(kEndpoint, RepoRef{"a?b/c#d", RepoType::kernel}).url ==
        "http://127.0.0.1:8080/api/kernels/a%3Fb/c%23d/refs");
}
