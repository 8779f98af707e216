// Tree listings: the literal page of hub-api.md 2.2, the Link header that leads to the next page,
// and the entries that must be refused because their paths could escape the cache.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/hub_responses.hpp"
#include "kernels/model/variant_hash.hpp"

#include "hub_api_fixtures.hpp"

using kernels::ErrorCode;
using kernels::HttpHeaders;
using kernels::RepoRef;
using kernels::RepoType;
using kernels::TreeEntryType;
using kernels::testing::make_response;

namespace {

const RepoRef kRepo{"kernels-community/relu", RepoType::kernel};
const std::string kTreeUrl =
    "http://127.0.0.1:8080/api/kernels/kernels-community/relu/tree/"
    "d649efb56fb249ac8f7a57fa1866728ad0c60e52?recursive=true&expand=false";

// A one-entry page whose entry has `path` (a JSON string literal's contents).
kernels::Result<kernels::TreePage> page_with_path(const std::string& json_path) {
  return kernels::parse_tree_page(
      make_response(200,
                    R"([{"type":"file","oid":"a85f0ba2729185d96e02bf4c89c39748e4e94b4c",)"
                    R"("size":1,"path":")" +
                        json_path + "\"}]",
                    {}, kTreeUrl),
      kRepo);
}

std::optional<std::string> link_target(std::vector<std::string> values, std::string_view rel) {
  HttpHeaders headers;
  for (auto& value : values)
    headers.add("Link", std::move(value));
  return kernels::find_link(headers, rel);
}

}  // namespace

TEST_CASE("hub tree: the literal page of hub-api.md 2.2, with a next page") {
  const std::string next =
      "http://127.0.0.1:8080/api/kernels/kernels-community/relu/tree/"
      "d649efb56fb249ac8f7a57fa1866728ad0c60e52?recursive=true&expand=false&cursor=MTAwMA%3D%3D";
  const auto page =
      kernels::parse_tree_page(make_response(200, std::string(kernels::testing::kTreeJson),
                                             {{"Link", "<" + next + ">; rel=\"next\""}}, kTreeUrl),
                               kRepo);
  REQUIRE(page.has_value());
  CHECK(page->next_url == next);
  REQUIRE(page->entries.size() == 7);
  CHECK(page->entries[0].type == TreeEntryType::file);
  CHECK(page->entries[0].path == ".gitattributes");
  CHECK(page->entries[0].size == 1519);
  CHECK(page->entries[1].type == TreeEntryType::directory);
  CHECK(page->entries[1].path == "build");
  CHECK(page->entries[1].oid == "5e8a0c1d2b3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b");
  const auto& so = page->entries[6];
  CHECK(so.path == "build/torch28-cxx11-cu128-x86_64-linux/relu/_relu_abc.abi3.so");
  CHECK(so.oid == "d9e8e41374d0b7c111e64619345f6353f3f75ad0");
  CHECK(so.size == 1024);
  REQUIRE(so.lfs.has_value());
  CHECK(so.lfs->sha256 == "469cbca28cea28014adae80244e707fac8511307b6e10fb57eeeeaba552baea8");
  CHECK(so.lfs->size == 1024);
  CHECK_FALSE(page->entries[3].lfs.has_value());

  // The listing gives the lock hash the reference computes for this variant.
  const auto hashes = kernels::variant_hashes_from_tree(kernels::tree_files(page->entries));
  REQUIRE(hashes.has_value());
  REQUIRE(hashes->size() == 1);
  CHECK(hashes->front().variant == kernels::testing::kVariant);
  CHECK(hashes->front().hash == kernels::testing::kVariantHash);
}

TEST_CASE("hub tree: the last page has no next; a relative next is resolved") {
  const auto last = kernels::parse_tree_page(make_response(200, "[]", {}, kTreeUrl), kRepo);
  REQUIRE(last.has_value());
  CHECK(last->entries.empty());
  CHECK_FALSE(last->next_url.has_value());

  const auto relative = kernels::parse_tree_page(
      make_response(200, "[]", {{"Link", "</api/kernels/o/n/tree/main?cursor=2>; rel=next"}},
                    kTreeUrl),
      kRepo);
  REQUIRE(relative.has_value());
  CHECK(relative->next_url == "http://127.0.0.1:8080/api/kernels/o/n/tree/main?cursor=2");

  const auto unusable = kernels::parse_tree_page(
      make_response(200, "[]", {{"Link", "<file:///etc/passwd>; rel=\"next\""}}, kTreeUrl), kRepo);
  REQUIRE_FALSE(unusable.has_value());
  CHECK(unusable.error().code == ErrorCode::network);
}

TEST_CASE("hub tree: Link headers as RFC 8288 writes them") {
  CHECK(link_target({"<http://a/1>; rel=\"next\""}, "next") == "http://a/1");
  CHECK(link_target({"<http://a/x>; rel=\"xet-auth\", <http://a/2>; rel=\"next\""}, "next") ==
        "http://a/2");
  CHECK(link_target({"<http://a/x>; rel=\"xet-auth\", <http://a/2>; rel=\"next\""}, "xet-auth") ==
        "http://a/x");
  CHECK(link_target({"<http://a/3>; REL=NEXT"}, "next") == "http://a/3");
  CHECK(link_target({"<http://a/4>; rel=\"prev next\""}, "next") == "http://a/4");
  CHECK(link_target({"<http://a/5>; title=\"a, b; rel=next\"; rel=prev, <http://a/6>;rel=next"},
                    "next") == "http://a/6");
  CHECK(link_target({"<http://a/7,8>; rel=next"}, "next") == "http://a/7,8");
  CHECK(link_target({"<http://a/p>; rel=prev", "<http://a/9>; rel=next"}, "next") == "http://a/9");
  CHECK_FALSE(link_target({"<http://a/p>; rel=prev"}, "next").has_value());
  CHECK_FALSE(link_target({"<http://a/p>; rel=nextpage"}, "next").has_value());
  CHECK_FALSE(link_target({"garbage"}, "next").has_value());
  CHECK_FALSE(link_target({"<unterminated; rel=next"}, "next").has_value());
  CHECK_FALSE(link_target({}, "next").has_value());
}

TEST_CASE("hub tree: hostile paths are refused, naming the path and the repo") {
  struct Case {
    std::string json_path;
    std::string shown;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"../x", "../x", "it has a '..' component"},
      {"build/../../x", "build/../../x", "it has a '..' component"},
      {"build/./x", "build/./x", "it has a '.' component"},
      {"/etc/passwd", "/etc/passwd", "it is absolute (starts with '/')"},
      {"a\\\\b", "a\\x5cb", "it contains a backslash"},
      {"a\\u0000b", "a\\x00b", "it contains a NUL byte"},
      {"a\\nb", "a\\x0ab", "it contains a control character"},
      {"a\\u001b[31m", "a\\x1b[31m", "it contains a control character"},
      {"a//b", "a//b", "it has an empty component ('//' or a trailing '/')"},
      {"build/", "build/", "it has an empty component ('//' or a trailing '/')"},
      {"", "", "it is empty"},
      {std::string(5000, 'a'), "", "it is longer than 4096 bytes"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.json_path);
    const auto page = page_with_path(c.json_path);
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().code == ErrorCode::invalid_input);
    CHECK(page.error().location == kTreeUrl);
    if (!c.shown.empty()) {
      CHECK(page.error().message ==
            "refusing tree entry '" + c.shown + "' from kernels-community/relu: " + c.why);
    } else {
      CHECK(page.error().message.find(c.why) != std::string::npos);
    }
  }
}

TEST_CASE("hub tree: entry fields are checked") {
  const auto parse = [](std::string body) {
    return kernels::parse_tree_page(make_response(200, std::move(body), {}, kTreeUrl), kRepo);
  };
  // Anything but "file" is a folder, as the reference reads it; folders need no oid.
  auto page = parse(R"([{"type":"submodule","path":"sub"},{"type":"directory","path":"d"}])");
  REQUIRE(page.has_value());
  CHECK(page->entries[0].type == TreeEntryType::directory);
  CHECK(page->entries[1].oid.empty());

  page = parse(R"([{"type":"file","oid":"a85f0ba2729185d96e02bf4c89c39748e4e94b4c","path":"x"}])");
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().code == ErrorCode::network);
  CHECK(page.error().message.find("$[0].size must be a non-negative integer") != std::string::npos);

  page = parse(R"([{"type":"file","oid":"zz","size":1,"path":"x"}])");
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().code == ErrorCode::invalid_input);
  CHECK(page.error().message ==
        "refusing tree entry 'x' from kernels-community/relu: its oid 'zz' is not a 40-digit git "
        "blob id");

  page = parse(R"([{"type":"file","oid":"a85f0ba2729185d96e02bf4c89c39748e4e94b4c","size":-1,)"
               R"("path":"x"}])");
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().code == ErrorCode::network);

  page = parse(R"([{"type":"file","oid":"a85f0ba2729185d96e02bf4c89c39748e4e94b4c","size":1,)"
               R"("path":"x","lfs":{"oid":"abc","size":1}}])");
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().code == ErrorCode::invalid_input);
  CHECK(page.error().message.find("lfs.oid 'abc' is not a 64-digit SHA-256") != std::string::npos);

  page = parse(R"({"entries":[]})");
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().code == ErrorCode::network);
  page = parse(R"([1])");
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().message.find("$[0] must be an object") != std::string::npos);

  // An error status is mapped, not parsed.
  const auto missing =
      kernels::parse_tree_page(make_response(404, R"({"error":"Entry not found"})",
                                             {{"X-Error-Code", "EntryNotFound"}}, kTreeUrl),
                               kRepo);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::not_found);
}
