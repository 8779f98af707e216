// What a resolve HEAD says about a file: the literal answers of hub-api.md 2.7 (a regular file
// answered directly, an LFS file redirected to storage) and the headers that must be there.

#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/hub_responses.hpp"

#include "hub_api_fixtures.hpp"

using kernels::ErrorCode;
using kernels::RepoRef;
using kernels::RepoType;
using kernels::testing::kCommit;
using kernels::testing::make_response;

namespace {

const RepoRef kRepo{"kernels-community/relu", RepoType::kernel};
const std::string kMetadataUrl =
    "http://127.0.0.1:8080/kernels/kernels-community/relu/resolve/"
    "d649efb56fb249ac8f7a57fa1866728ad0c60e52/build/torch28-cxx11-cu128-x86_64-linux/"
    "metadata.json";
const std::string kSoUrl =
    "http://127.0.0.1:8080/kernels/kernels-community/relu/resolve/"
    "d649efb56fb249ac8f7a57fa1866728ad0c60e52/build/torch28-cxx11-cu128-x86_64-linux/relu/"
    "_relu_abc.abi3.so";
const std::string kSha256 = "469cbca28cea28014adae80244e707fac8511307b6e10fb57eeeeaba552baea8";

using Headers = std::vector<std::pair<std::string, std::string>>;

// hub-api.md 2.7 (a).
Headers regular_headers() {
  return {{"Content-Type", "application/json; charset=utf-8"},
          {"Content-Length", "43"},
          {"ETag", "\"a85f0ba2729185d96e02bf4c89c39748e4e94b4c\""},
          {"X-Repo-Commit", std::string(kCommit)},
          {"Accept-Ranges", "bytes"}};
}

// hub-api.md 2.7 (b).
Headers lfs_headers() {
  return {{"Location",
           "http://127.0.0.1:8081/lfs/" + kSha256 + "?X-Amz-Expires=3600&X-Amz-Signature=abc"},
          {"X-Repo-Commit", std::string(kCommit)},
          {"X-Linked-Etag", "\"" + kSha256 + "\""},
          {"X-Linked-Size", "1024"},
          {"ETag", "\"d9e8e41374d0b7c111e64619345f6353f3f75ad0\""},
          {"Content-Length", "0"}};
}

Headers without(Headers headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& field) { return field.first == name; });
  return headers;
}

Headers with(Headers headers, std::string name, std::string value) {
  headers = without(std::move(headers), name);
  headers.emplace_back(std::move(name), std::move(value));
  return headers;
}

kernels::Result<kernels::FileMetadata> parse(int status, Headers headers,
                                             const std::string& url = kMetadataUrl) {
  return kernels::parse_file_metadata(make_response(status, "", std::move(headers), url), kRepo,
                                      "build/x/metadata.json");
}

}  // namespace

TEST_CASE("hub file metadata: a regular file answered directly") {
  const auto metadata = parse(200, regular_headers());
  REQUIRE(metadata.has_value());
  CHECK(metadata->repo == kRepo);
  CHECK(metadata->commit == kCommit);
  CHECK(metadata->etag == "a85f0ba2729185d96e02bf4c89c39748e4e94b4c");
  CHECK(metadata->size == 43);
  CHECK(metadata->location == kMetadataUrl);
  CHECK_FALSE(metadata->redirected);

  // A weak validator is normalised the same way.
  const auto weak = parse(200, with(regular_headers(), "ETag", "W/\"abc123\""));
  REQUIRE(weak.has_value());
  CHECK(weak->etag == "abc123");
}

TEST_CASE("hub file metadata: an LFS file redirected to storage") {
  const auto metadata = parse(302, lfs_headers(), kSoUrl);
  REQUIRE(metadata.has_value());
  CHECK(metadata->commit == kCommit);
  CHECK(metadata->etag == kSha256);
  CHECK(metadata->size == 1024);  // X-Linked-Size, never the redirect's Content-Length
  CHECK(metadata->location ==
        "http://127.0.0.1:8081/lfs/" + kSha256 + "?X-Amz-Expires=3600&X-Amz-Signature=abc");
  CHECK(metadata->redirected);

  const auto relative = parse(302, with(lfs_headers(), "Location", "/lfs/" + kSha256), kSoUrl);
  REQUIRE(relative.has_value());
  CHECK(relative->location == "http://127.0.0.1:8080/lfs/" + kSha256);
}

TEST_CASE("hub file metadata: required headers and safe values") {
  auto metadata = parse(200, without(regular_headers(), "X-Repo-Commit"));
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().code == ErrorCode::network);
  CHECK(metadata.error().message.find("no X-Repo-Commit header") != std::string::npos);
  CHECK(metadata.error().location == kMetadataUrl);

  metadata = parse(200, with(regular_headers(), "X-Repo-Commit", "main"));
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().code == ErrorCode::invalid_input);

  metadata = parse(200, without(regular_headers(), "ETag"));
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().code == ErrorCode::network);
  CHECK(metadata.error().message.find("no ETag or X-Linked-Etag") != std::string::npos);

  // The etag names the cached blob: it cannot be a path.
  for (const std::string etag : {"\"../../x\"", "\"\"", "\"a/b\"", "\"..\""}) {
    CAPTURE(etag);
    metadata = parse(200, with(regular_headers(), "ETag", etag));
    REQUIRE_FALSE(metadata.has_value());
    CHECK(metadata.error().code == ErrorCode::invalid_input);
  }

  metadata = parse(200, without(regular_headers(), "Content-Length"));
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().code == ErrorCode::network);
  CHECK(metadata.error().message.find("no Content-Length") != std::string::npos);

  metadata = parse(302, without(lfs_headers(), "X-Linked-Size"), kSoUrl);
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().message.find("the redirect has no X-Linked-Size header") !=
        std::string::npos);

  metadata = parse(302, with(lfs_headers(), "X-Linked-Size", "12x"), kSoUrl);
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().code == ErrorCode::network);

  metadata = parse(302, without(lfs_headers(), "Location"), kSoUrl);
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().message.find("without a Location header") != std::string::npos);

  metadata = parse(302, with(lfs_headers(), "Location", "file:///etc/passwd"), kSoUrl);
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().code == ErrorCode::network);
}

TEST_CASE("hub file metadata: a missing file names the path") {
  const auto metadata = parse(404, {{"X-Error-Code", "EntryNotFound"},
                                    {"X-Error-Message", "Entry not found"},
                                    {"X-Repo-Commit", std::string(kCommit)}});
  REQUIRE_FALSE(metadata.has_value());
  CHECK(metadata.error().code == ErrorCode::not_found);
  CHECK(metadata.error().message.find("'build/x/metadata.json' not found in "
                                      "kernels-community/relu") != std::string::npos);
}
