#include <filesystem>
#include <string>
#include <variant>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "kernels/mirror/add_build.hpp"
#include "kernels/mirror/faults.hpp"
#include "kernels/mirror/hub_api.hpp"
#include "kernels/mirror/store.hpp"

#include "scratch_dir.hpp"

using kernels::testing::ScratchDir;
namespace fs = std::filesystem;
namespace mirror = kernels::mirror;
using Kind = mirror::ByteRange::Kind;

namespace {

// A mirror with kernel repo org/relu: main and v1 at one commit, tag v1.0.0.
struct Fixture {
  ScratchDir scratch;
  std::string commit;
  std::unique_ptr<mirror::HubApi> api;

  explicit Fixture(std::size_t page_size = 1000) {
    fs::create_directories(scratch.path() / "build/build/torch28-cpu/relu");
    scratch.write("build/README.md", "# relu\n");
    scratch.write("build/build/torch28-cpu/metadata.json", "{}\n");
    scratch.write("build/build/torch28-cpu/relu/_relu.abi3.so", std::string(100, 'x'));
    auto store = mirror::Store::open_or_create(scratch.path() / "mirror").value();
    mirror::AddBuildOptions options;
    options.build_dir = scratch.path() / "build";
    options.repo_id = "org/relu";
    options.tag = "v1.0.0";
    options.branch = "v1";
    commit = mirror::add_build(store, options).value().commit;
    mirror::HubApiOptions api_options;
    api_options.port = 8080;
    api_options.cdn_port = 8081;
    api_options.tree_page_size = page_size;
    api = std::make_unique<mirror::HubApi>(std::move(store), api_options);
  }

  [[nodiscard]] mirror::HubReply get(const std::string& target, std::string method = "GET",
                                     std::string host = "127.0.0.1:8080") const {
    return api->handle(mirror::HubRequest{std::move(method), target, std::move(host), "", ""});
  }
};

std::string body_of(const mirror::HubReply& reply) {
  const auto* text = std::get_if<std::string>(&reply.body);
  return text == nullptr ? std::string() : *text;
}

}  // namespace

TEST_CASE("mirror range: the forms clients send") {
  const auto check = [](const char* header, std::uint64_t size, Kind kind, std::uint64_t offset,
                        std::uint64_t length) {
    const mirror::ByteRange range = mirror::parse_byte_range(header, size);
    CHECK_MESSAGE(range.kind == kind, header);
    if (kind == Kind::partial) {
      CHECK_MESSAGE(range.offset == offset, header);
      CHECK_MESSAGE(range.length == length, header);
    }
  };
  check("", 100, Kind::whole, 0, 100);
  check("bytes=10-", 100, Kind::partial, 10, 90);
  check("bytes=10-19", 100, Kind::partial, 10, 10);
  check("bytes=10-1000", 100, Kind::partial, 10, 90);
  check("bytes=-30", 100, Kind::partial, 70, 30);
  check("bytes=-300", 100, Kind::partial, 0, 100);
  check("bytes=99-", 100, Kind::partial, 99, 1);
  check("bytes=100-", 100, Kind::unsatisfiable, 0, 0);
  check("bytes=200-300", 100, Kind::unsatisfiable, 0, 0);
  check("bytes=-0", 100, Kind::unsatisfiable, 0, 0);
  check("bytes=0-", 0, Kind::unsatisfiable, 0, 0);
  check("bytes=1-2,5-6", 100, Kind::whole, 0, 100);  // multi-range: the whole body
  check("bytes=5-2", 100, Kind::whole, 0, 100);
  check("items=1-2", 100, Kind::whole, 0, 100);
  check("bytes=x-", 100, Kind::whole, 0, 100);
}

TEST_CASE("mirror faults: rates pick a deterministic share of requests") {
  mirror::FaultOptions options;
  CHECK(mirror::fault_for_request(options, 0) == mirror::Fault::none);
  options.error_rate = 1;
  for (std::uint64_t i = 0; i < 100; ++i)
    CHECK(mirror::fault_for_request(options, i) == mirror::Fault::error);
  options = mirror::FaultOptions{};
  options.drop_rate = 0.1;
  options.truncate_rate = 0.2;
  options.seed = 7;
  int drops = 0;
  int truncations = 0;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    const mirror::Fault fault = mirror::fault_for_request(options, i);
    CHECK(fault == mirror::fault_for_request(options, i));
    drops += fault == mirror::Fault::drop ? 1 : 0;
    truncations += fault == mirror::Fault::truncate ? 1 : 0;
  }
  CHECK(drops > 850);
  CHECK(drops < 1150);
  CHECK(truncations > 1800);
  CHECK(truncations < 2200);
  mirror::FaultOptions other = options;
  other.seed = 8;
  int differences = 0;
  for (std::uint64_t i = 0; i < 100; ++i) {
    differences += mirror::fault_for_request(options, i) != mirror::fault_for_request(other, i);
  }
  CHECK(differences > 0);
}

TEST_CASE("mirror faults: rates outside [0, 1] or summing past 1 are refused") {
  mirror::FaultOptions options;
  CHECK(mirror::validate_fault_options(options));
  options.error_rate = 1.5;
  CHECK(!mirror::validate_fault_options(options));
  options.error_rate = 0.6;
  options.drop_rate = 0.5;
  CHECK(!mirror::validate_fault_options(options));
  options.drop_rate = 0.4;
  CHECK(mirror::validate_fault_options(options));
}

TEST_CASE("mirror hub api: refs, info and full or encoded revisions") {
  const Fixture fixture;
  const auto refs = nlohmann::json::parse(body_of(fixture.get("/api/kernels/org/relu/refs")));
  CHECK(refs["branches"][0]["name"] == "main");
  CHECK(refs["tags"][0]["ref"] == "refs/tags/v1.0.0");
  CHECK(refs["converts"].empty());
  for (const char* revision :
       {"main", "v1", "v1.0.0", "refs%2Fheads%2Fv1", "refs%2Ftags%2Fv1.0.0"}) {
    const auto reply = fixture.get(std::string("/api/kernels/org/relu/revision/") + revision);
    REQUIRE_MESSAGE(reply.status == 200, revision);
    CHECK(nlohmann::json::parse(body_of(reply))["sha"] == fixture.commit);
  }
  const auto missing = fixture.get("/api/kernels/org/relu/revision/v2");
  CHECK(missing.status == 404);
  CHECK(missing.header("X-Error-Code") == "RevisionNotFound");
  CHECK(fixture.get("/api/models/org/relu").header("X-Error-Code") == "RepoNotFound");
  CHECK(fixture.get("/api/kernels/org/..%2F..%2Fx/refs").header("X-Error-Code") == "RepoNotFound");
}

TEST_CASE("mirror hub api: resolve answers regular files directly and LFS files by redirect") {
  const Fixture fixture;
  const auto readme = fixture.get("/kernels/org/relu/resolve/main/README.md", "HEAD");
  CHECK(readme.status == 200);
  CHECK(readme.header("X-Repo-Commit") == fixture.commit);
  CHECK(readme.body_size() == 7);
  REQUIRE(std::holds_alternative<mirror::FileBody>(readme.body));

  const auto so = fixture.get("/kernels/org/relu/resolve/v1/build/torch28-cpu/relu/_relu.abi3.so",
                              "HEAD", "localhost:8080");
  CHECK(so.status == 302);
  const std::string location = so.header("Location").value_or("");
  // Reached as localhost, the CDN is named 127.0.0.1 (and the other way round): another host.
  CHECK(location.starts_with("http://127.0.0.1:8081/lfs/"));
  CHECK(so.header("X-Linked-Size") == "100");

  const auto cdn = fixture.api->handle_cdn(
      mirror::HubRequest{"GET", location.substr(location.find("/lfs/")), "", "", "bytes=90-"});
  CHECK(cdn.status == 206);
  CHECK(cdn.header("Content-Range") == "bytes 90-99/100");
  CHECK(cdn.body_size() == 10);
  CHECK(
      fixture.api->handle_cdn(mirror::HubRequest{"GET", "/lfs/" + std::string(64, '0'), "", "", ""})
          .status == 404);
  CHECK(fixture.api->handle_cdn(mirror::HubRequest{"GET", "/lfs/../mirror.json", "", "", ""})
            .status == 404);
}

TEST_CASE("mirror hub api: missing entries, bad paths and bad requests") {
  const Fixture fixture;
  const auto missing = fixture.get("/kernels/org/relu/resolve/main/kernel-status.toml");
  CHECK(missing.status == 404);
  CHECK(missing.header("X-Error-Code") == "EntryNotFound");
  CHECK(missing.header("X-Repo-Commit") == fixture.commit);
  CHECK(fixture.get("/kernels/org/relu/resolve/main/build/../README.md").status == 404);
  CHECK(fixture.get("/api/kernels/org/relu/tree/main/..%2Fx").status == 400);
  CHECK(fixture.get("/kernels/org/relu/resolve/main/%zz").status == 400);
  CHECK(fixture.get("/api/kernels/org/relu/refs", "POST").status == 405);
  // A revision with a line break must not inject a header.
  const auto injected = fixture.get("/api/kernels/org/relu/revision/v9%0D%0AX-Evil:%201");
  CHECK(injected.header("X-Error-Message").value_or("").find('\n') == std::string::npos);
  CHECK(!injected.header("X-Evil"));
}

TEST_CASE("mirror hub api: tree pages link to the next page with an absolute URL") {
  const Fixture fixture(2);
  std::string target = "/api/kernels/org/relu/tree/main?recursive=true&expand=false";
  std::vector<std::string> paths;
  for (int page = 0; page < 10 && !target.empty(); ++page) {
    const auto reply = fixture.get(target, "GET", "127.0.0.1:8080");
    REQUIRE(reply.status == 200);
    for (const auto& entry : nlohmann::json::parse(body_of(reply)))
      paths.push_back(entry["path"]);
    const auto link = reply.header("Link");
    target.clear();
    if (link) {
      const std::string url = link->substr(1, link->find('>') - 1);
      REQUIRE(url.starts_with("http://127.0.0.1:8080/api/kernels/org/relu/tree/main?"));
      target = url.substr(std::string("http://127.0.0.1:8080").size());
    }
  }
  CHECK(paths == std::vector<std::string>{
                     "README.md", "build", "build/torch28-cpu", "build/torch28-cpu/metadata.json",
                     "build/torch28-cpu/relu", "build/torch28-cpu/relu/_relu.abi3.so"});
  CHECK(fixture.get("/api/kernels/org/relu/tree/main?cursor=bogus").status == 400);
  // A Host header that is not a host name is not copied into the Link.
  const auto odd_host =
      fixture.get("/api/kernels/org/relu/tree/main?recursive=true", "GET", "evil.example\">");
  CHECK(odd_host.header("Link").value_or("").starts_with("<http://127.0.0.1:8080/"));
}
