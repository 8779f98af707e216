// HubClient against a fake Hub on 127.0.0.1: the calls for one repo, the token and User-Agent
// it sends, the error mapping end to end, the model-type fallback, kernel-status.toml, hostile
// answers, body caps, and offline mode.

#include <string>

#include <doctest/doctest.h>

#include "kernels/hub/hub_client.hpp"

#include "fake_hub.hpp"
#include "hub_client_helpers.hpp"

using kernels::ErrorCode;
using kernels::FileQuery;
using kernels::RepoRef;
using kernels::RepoRevision;
using kernels::RepoType;
using kernels::TreeEntryType;
using kernels::TreeQuery;
using kernels::testing::FakeHub;
using kernels::testing::FakeRepo;
using kernels::testing::hub_settings;
using kernels::testing::kCommit;
using kernels::testing::kTestToken;
using kernels::testing::make_hub_client;

namespace {

const RepoRef kRelu{"kernels-community/relu", RepoType::kernel};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string file_entry(std::string_view path) {
  return R"({"type":"file","oid":"a85f0ba2729185d96e02bf4c89c39748e4e94b4c","size":1,"path":")" +
         std::string(path) + "\"}";
}

}  // namespace

TEST_CASE("hub client: refs, info and a 3-page tree, with token and user agent") {
  FakeHub hub;
  FakeRepo repo;
  repo.tree_pages = {"[" + file_entry("a") + "," + file_entry("b") + "]",
                     "[" + file_entry("c") + "]", "[" + file_entry("d") + "]"};
  hub.add(RepoType::kernel, kRelu.repo_id, repo);
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint(), std::string(kTestToken)));

  const auto refs = client.refs(kRelu);
  REQUIRE(refs.has_value());
  CHECK(refs->repo == kRelu);
  CHECK(refs->branches.size() == 2);
  CHECK(refs->tags.front().name == "v1.0");

  const auto info = client.repo_info(RepoRevision{kRelu, std::string(kCommit)});
  REQUIRE(info.has_value());
  CHECK(info->sha == kCommit);

  const auto tree = client.tree(TreeQuery{kRelu, std::string(kCommit), "", true});
  REQUIRE(tree.has_value());
  CHECK(tree->revision == kCommit);
  REQUIRE(tree->entries.size() == 4);
  CHECK(tree->entries[0].path == "a");
  CHECK(tree->entries[3].path == "d");
  CHECK(client.known_repo_type(kRelu.repo_id) == RepoType::kernel);

  const auto seen = hub.seen();
  REQUIRE(seen.size() == 5);
  CHECK(seen[0].target == "/api/kernels/kernels-community/relu/refs");
  CHECK(seen[1].target == "/api/kernels/kernels-community/relu/revision/" + std::string(kCommit));
  CHECK(seen[2].target == "/api/kernels/kernels-community/relu/tree/" + std::string(kCommit) +
                              "?recursive=true&expand=false");
  CHECK(seen[4].target.ends_with("&cursor=2"));
  for (const auto& request : seen) {
    CHECK(request.authorization == "Bearer " + std::string(kTestToken));
    CHECK(request.user_agent ==
          "kernels-cpp/9.9.9; backend/cpu; platform/x86_64-linux; file_type/kernel");
  }
}

TEST_CASE("hub client: revisions and paths reach the server encoded as hub-api.md 1.3 says") {
  FakeHub hub;
  hub.add(RepoType::kernel, kRelu.repo_id, FakeRepo{});
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));
  CHECK(client.tree(TreeQuery{kRelu, "refs/heads/v1", "build/torch", false}).has_value());
  (void)client.file_metadata(FileQuery{kRelu, "refs/pr/1", "a dir/f?.txt"});
  const auto seen = hub.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].target ==
        "/api/kernels/kernels-community/relu/tree/refs%2Fheads%2Fv1/"
        "build%2Ftorch?recursive=false&expand=false");
  CHECK(seen[1].method == "HEAD");
  CHECK(seen[1].target == "/kernels/kernels-community/relu/resolve/refs%2Fpr%2F1/a%20dir/f%3F.txt");
  CHECK(seen[0].authorization.empty());  // no token configured, none sent
}

TEST_CASE("hub client: file metadata from HEAD resolve, answered 200, 302 or relative 307") {
  const std::string sha256(64, 'e');
  kernels::testing::LocalHttpServer cdn;
  cdn.start();
  FakeHub hub;
  FakeRepo repo;
  repo.files["build/x/metadata.json"] = std::string(43, 'm');
  hub.add(RepoType::kernel, kRelu.repo_id, repo);
  hub.hook = [&](const httplib::Request& request, httplib::Response& response) {
    if (request.target.ends_with("/_x.so")) {
      response.status = 302;
      response.set_header("Location", cdn.url("/lfs/" + sha256 + "?X-Amz-Signature=s"));
      response.set_header("X-Repo-Commit", std::string(kCommit));
      response.set_header("X-Linked-Etag", "\"" + sha256 + "\"");
      response.set_header("X-Linked-Size", "1024");
      return true;
    }
    if (request.target.ends_with("/config.json")) {
      response.status = 307;
      response.set_header("Location", "/api/resolve-cache/kernels/x/config.json?etag=1");
      return true;
    }
    if (request.target.starts_with("/api/resolve-cache/")) {
      response.set_header("X-Repo-Commit", std::string(kCommit));
      response.set_header("ETag", "W/\"cafe\"");
      response.set_content(std::string(7, 'c'), "application/json");
      return true;
    }
    return false;
  };
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint(), std::string(kTestToken)));

  const auto regular = client.file_metadata(FileQuery{kRelu, "main", "build/x/metadata.json"});
  REQUIRE(regular.has_value());
  CHECK(regular->etag == kernels::testing::kFakeEtag);
  CHECK(regular->size == 43);
  CHECK(regular->commit == kCommit);
  CHECK_FALSE(regular->redirected);
  CHECK(regular->location ==
        hub.endpoint() + "/kernels/kernels-community/relu/resolve/main/build/x/metadata.json");

  const auto lfs = client.file_metadata(FileQuery{kRelu, "main", "build/x/_x.so"});
  REQUIRE(lfs.has_value());
  CHECK(lfs->redirected);
  CHECK(lfs->etag == sha256);
  CHECK(lfs->size == 1024);
  CHECK(lfs->location == cdn.url("/lfs/" + sha256 + "?X-Amz-Signature=s"));
  CHECK(cdn.requests() == 0);  // the HEAD stops at the redirect to storage

  const auto cached = client.file_metadata(FileQuery{kRelu, "main", "config.json"});
  REQUIRE(cached.has_value());
  CHECK(cached->etag == "cafe");
  CHECK(cached->size == 7);
  CHECK(cached->location == hub.endpoint() + "/api/resolve-cache/kernels/x/config.json?etag=1");
  CHECK(hub.seen().back().method == "HEAD");
}

TEST_CASE("hub client: the Hub's error codes, end to end") {
  FakeHub hub;
  hub.add(RepoType::kernel, kRelu.repo_id, FakeRepo{});
  hub.add(RepoType::kernel, "o/gated", FakeRepo{});
  hub.add(RepoType::kernel, "o/flaky", FakeRepo{});
  hub.hook = [](const httplib::Request& request, httplib::Response& response) {
    if (contains(request.target, "/o/gated/")) {
      response.status = 403;
      response.set_header("X-Error-Code", "GatedRepo");
      response.set_header("X-Error-Message", "Access to model o/gated is restricted.");
      return true;
    }
    if (contains(request.target, "/o/flaky/")) {
      response.status = 503;
      return true;
    }
    return false;
  };
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  auto refs = client.refs(RepoRef{"o/missing", RepoType::kernel});
  REQUIRE_FALSE(refs.has_value());
  CHECK(refs.error().code == ErrorCode::not_found);
  CHECK(refs.error().message == "repository o/missing not found on " + hub.endpoint() +
                                    " (or it is private: set HF_TOKEN or pass --token); it was "
                                    "looked for as a kernel repo and as a model repo");

  const auto info = client.repo_info(RepoRevision{kRelu, "v99"});
  REQUIRE_FALSE(info.has_value());
  CHECK(info.error().code == ErrorCode::not_found);
  CHECK(contains(info.error().message, "revision 'v99' not found in kernels-community/relu"));

  const auto tree = client.tree(TreeQuery{kRelu, "v99", "build", false});
  REQUIRE_FALSE(tree.has_value());
  CHECK(contains(tree.error().message, "revision 'v99' not found"));

  const auto file = client.file_metadata(FileQuery{kRelu, "main", "build/nothing.json"});
  REQUIRE_FALSE(file.has_value());
  CHECK(file.error().code == ErrorCode::not_found);
  CHECK(contains(file.error().message,
                 "'build/nothing.json' not found in kernels-community/relu at revision 'main'"));

  refs = client.refs(RepoRef{"o/gated", RepoType::kernel});
  REQUIRE_FALSE(refs.has_value());
  CHECK(refs.error().code == ErrorCode::failure);
  CHECK(contains(refs.error().message,
                 "accept the conditions at " + hub.endpoint() + "/kernels/o/gated"));

  refs = client.refs(RepoRef{"o/flaky", RepoType::kernel});
  REQUIRE_FALSE(refs.has_value());
  CHECK(refs.error().code == ErrorCode::network);
  CHECK(contains(refs.error().message, "(HTTP 503 after 3 attempts)"));
  CHECK(hub.count("/api/kernels/o/flaky/refs") == 3);
  CHECK(hub.count("/api/models/o/flaky/") == 0);  // a 503 is no reason to try the model type
}

TEST_CASE("hub client: a kernel published as a model repo is found through the fallback, once") {
  FakeHub hub;
  hub.add(RepoType::model, "old/kernel", FakeRepo{});
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));
  const RepoRef repo{"old/kernel", RepoType::kernel};

  const auto refs = client.refs(repo);
  REQUIRE(refs.has_value());
  CHECK(refs->repo == RepoRef{"old/kernel", RepoType::model});
  CHECK(client.known_repo_type("old/kernel") == RepoType::model);

  const auto info = client.repo_info(RepoRevision{repo, ""});
  REQUIRE(info.has_value());
  CHECK(info->repo.type == RepoType::model);
  const auto tree = client.tree(TreeQuery{repo, "main", "", true});
  REQUIRE(tree.has_value());
  CHECK(tree->repo.type == RepoType::model);

  CHECK(hub.count("/api/kernels/") == 1);  // only the first call asked for a kernel repo
  CHECK(hub.count("/api/models/old/kernel/refs") == 1);
  CHECK(hub.count("/api/models/old/kernel") == 3);

  // A repo asked for as a model is never asked for as a kernel.
  FakeHub models_only;
  models_only.start();
  auto other = make_hub_client(hub_settings(models_only.endpoint()));
  const auto missing = other.refs(RepoRef{"o/n", RepoType::model});
  REQUIRE_FALSE(missing.has_value());
  CHECK(models_only.count("/api/kernels/") == 0);
  CHECK_FALSE(contains(missing.error().message, "as a kernel repo"));
}

TEST_CASE("hub client: an old mirror without kernel routes is read as models") {
  FakeHub hub;
  hub.kernel_routes = false;
  FakeRepo repo;
  repo.files["kernel-status.toml"] = "kind = \"redirect\"\ndestination = \"org/new\"\n";
  hub.add(RepoType::model, "org/old", repo);
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto status = client.kernel_status(RepoRevision{RepoRef{"org/old"}, ""});
  REQUIRE(status.has_value());
  REQUIRE(status->has_value());
  CHECK((*status)->destination == "org/new");
  CHECK(client.known_repo_type("org/old") == RepoType::model);
  CHECK(hub.count("/kernels/org/old/resolve/main/kernel-status.toml") == 1);
  CHECK(hub.count("/org/old/resolve/main/kernel-status.toml") == 1);
}

TEST_CASE("hub client: kernel-status.toml, present or not") {
  FakeHub hub;
  FakeRepo moved;
  moved.files["kernel-status.toml"] =
      "kind = \"redirect\"\ndestination = \"kernels-community/new\"\nrevision = \"v2\"\n";
  hub.add(RepoType::kernel, "kernels-community/old", moved);
  hub.add(RepoType::kernel, kRelu.repo_id, FakeRepo{});
  FakeRepo broken;
  broken.files["kernel-status.toml"] = "kind = \"vanished\"\n";
  hub.add(RepoType::kernel, "o/broken", broken);
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto status = client.kernel_status(RepoRevision{RepoRef{"kernels-community/old"}, ""});
  REQUIRE(status.has_value());
  REQUIRE(status->has_value());
  CHECK((*status)->destination == "kernels-community/new");
  CHECK((*status)->revision == "v2");

  const auto none = client.kernel_status(RepoRevision{kRelu, "main"});
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  CHECK(hub.count("/api/models") + hub.count("/kernels-community/relu") == 0);  // no fallback

  const auto bad = client.kernel_status(RepoRevision{RepoRef{"o/broken"}, ""});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::invalid_input);
  CHECK(bad.error().message == "Unknown kernel status kind: 'vanished'");

  // A repo that exists under neither type has no status; the calls after it say it is missing.
  const auto nowhere = client.kernel_status(RepoRevision{RepoRef{"o/nowhere"}, ""});
  REQUIRE(nowhere.has_value());
  CHECK_FALSE(nowhere->has_value());
}

TEST_CASE("hub client: hostile tree entries and malformed JSON are refused") {
  FakeHub hub;
  const std::vector<std::string> hostile = {"../x", "/abs", "a\\\\b", "a\\u0000b"};
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    FakeRepo repo;
    repo.tree_pages = {"[" + file_entry("ok") + "]", "[" + file_entry(hostile[i]) + "]"};
    hub.add(RepoType::kernel, "o/hostile" + std::to_string(i), repo);
  }
  FakeRepo garbled;
  garbled.refs = "{\"branches\": [1,";
  hub.add(RepoType::kernel, "o/garbled", garbled);
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const std::vector<std::string> shown = {"../x", "/abs", "a\\x5cb", "a\\x00b"};
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    CAPTURE(hostile[i]);
    const std::string id = "o/hostile" + std::to_string(i);
    const auto tree = client.tree(TreeQuery{RepoRef{id}, "main", "", true});
    REQUIRE_FALSE(tree.has_value());
    CHECK(tree.error().code == ErrorCode::invalid_input);
    CHECK(tree.error().message.starts_with("refusing tree entry '" + shown[i] + "' from " + id));
  }

  const auto refs = client.refs(RepoRef{"o/garbled"});
  REQUIRE_FALSE(refs.has_value());
  CHECK(refs.error().code == ErrorCode::network);
  CHECK(refs.error().location == hub.endpoint() + "/api/kernels/o/garbled/refs");
  CHECK(refs.error().describe().starts_with(hub.endpoint() +
                                            "/api/kernels/o/garbled/refs: malformed JSON from the "
                                            "Hub for o/garbled"));
}

TEST_CASE("hub client: bodies over their cap fail the call") {
  FakeHub hub;
  FakeRepo big;
  big.files["kernel-status.toml"] = std::string(kernels::kMaxKernelStatusBytes + 1, '#');
  hub.add(RepoType::kernel, "o/big", big);
  hub.hook = [](const httplib::Request& request, httplib::Response& response) {
    if (!request.target.starts_with("/api/organizations/")) return false;
    response.set_content(std::string(kernels::kMaxOrgOverviewBytes + 10, ' ') + "{}",
                         "application/json");
    return true;
  };
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto status = client.kernel_status(RepoRevision{RepoRef{"o/big"}, ""});
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code == ErrorCode::network);
  CHECK(contains(status.error().message, "larger than the limit of 65536 bytes"));

  const auto overview = client.org_overview("o");
  REQUIRE_FALSE(overview.has_value());
  CHECK(overview.error().code == ErrorCode::network);
  CHECK(contains(overview.error().message, "larger than the limit"));
}

TEST_CASE("hub client: organization overview") {
  FakeHub hub;
  hub.hook = [](const httplib::Request& request, httplib::Response& response) {
    if (request.target == "/api/organizations/kernels-community/overview") {
      response.set_content(std::string(kernels::testing::kOrgJson), "application/json");
      return true;
    }
    return false;
  };
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));
  const auto overview = client.org_overview("kernels-community");
  REQUIRE(overview.has_value());
  CHECK(overview->trusted_kernel_publisher);
  const auto user = client.org_overview("someone");
  REQUIRE_FALSE(user.has_value());
  CHECK(user.error().code == ErrorCode::not_found);
  const auto invalid = client.org_overview("../x");
  REQUIRE_FALSE(invalid.has_value());
  CHECK(invalid.error().code == ErrorCode::invalid_input);
  CHECK(hub.seen().size() == 2);
}

TEST_CASE("hub client: offline mode fails every call without a request") {
  FakeHub hub;
  hub.add(RepoType::kernel, kRelu.repo_id, FakeRepo{});
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint(), std::string(kTestToken), true));
  CHECK(client.offline());

  const auto check_offline = [](const kernels::Error& error, std::string_view what) {
    CHECK(error.code == ErrorCode::network);
    CHECK(error.message == "offline mode (HF_HUB_OFFLINE / --offline): cannot reach the Hub for " +
                               std::string(what));
  };
  check_offline(client.refs(kRelu).error(), "the refs of kernels-community/relu");
  check_offline(client.repo_info(RepoRevision{kRelu, "main"}).error(),
                "the repo info of kernels-community/relu");
  check_offline(client.tree(TreeQuery{kRelu}).error(), "the file list of kernels-community/relu");
  check_offline(client.file_metadata(FileQuery{kRelu, "main", "x"}).error(),
                "the metadata of kernels-community/relu");
  check_offline(client.kernel_status(RepoRevision{kRelu, ""}).error(),
                "kernel-status.toml of kernels-community/relu");
  check_offline(client.org_overview("kernels-community").error(),
                "the overview of organization kernels-community");
  const std::vector<RepoRef> many(5, kRelu);
  for (const auto& result : client.refs_many(many))
    CHECK_FALSE(result.has_value());
  CHECK(hub.server().requests() == 0);
}

TEST_CASE("hub client: invalid repo ids, revisions and paths make no request") {
  FakeHub hub;
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));
  const auto refs = client.refs(RepoRef{"../etc"});
  REQUIRE_FALSE(refs.has_value());
  CHECK(refs.error().code == ErrorCode::invalid_input);
  CHECK(refs.error().location == "../etc");
  CHECK(client.repo_info(RepoRevision{kRelu, "a b"}).error().code == ErrorCode::invalid_input);
  CHECK(client.file_metadata(FileQuery{kRelu, "main", "../x"}).error().code ==
        ErrorCode::invalid_input);
  CHECK(client.file_metadata(FileQuery{kRelu, "main", ""}).error().code ==
        ErrorCode::invalid_input);
  CHECK(client.tree(TreeQuery{kRelu, "main", "/abs", false}).error().code ==
        ErrorCode::invalid_input);
  CHECK(hub.server().requests() == 0);
}

TEST_CASE("hub client: the token never appears in an error, even when a server echoes it") {
  FakeHub hub;
  hub.hook = [](const httplib::Request& request, httplib::Response& response) {
    response.status = 403;
    response.set_header("X-Error-Message",
                        "denied for " + request.get_header_value("Authorization"));
    return true;
  };
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint(), std::string(kTestToken)));
  const auto refs = client.refs(kRelu);
  REQUIRE_FALSE(refs.has_value());
  CHECK(hub.seen().front().authorization == "Bearer " + std::string(kTestToken));
  CHECK(refs.error().code == ErrorCode::failure);
  CHECK(contains(refs.error().message, "access denied"));
  CHECK(contains(refs.error().message, "denied for Bearer <token>"));
  CHECK_FALSE(contains(refs.error().describe(), kTestToken));
}
