// HubClient's batch helpers: one stage for many repos in one HttpClient batch (the lock's use),
// fallbacks asked in a second batch, tree pages read in rounds shared by every repo.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/hub_client.hpp"

#include "fake_hub.hpp"
#include "hub_client_helpers.hpp"

using kernels::ErrorCode;
using kernels::RepoRef;
using kernels::RepoRevision;
using kernels::RepoType;
using kernels::TreeQuery;
using kernels::testing::FakeHub;
using kernels::testing::FakeRepo;
using kernels::testing::hub_settings;
using kernels::testing::kCommit;
using kernels::testing::make_hub_client;

namespace {

std::string page_of(std::string_view name) {
  return R"([{"type":"file","oid":"a85f0ba2729185d96e02bf4c89c39748e4e94b4c","size":1,"path":")" +
         std::string(name) + "\"}]";
}

}  // namespace

TEST_CASE("hub batch: refs of 20 repos in one batch, model fallbacks in a second") {
  kernels::testing::ConcurrencyProbe probe;
  FakeHub hub;
  std::vector<RepoRef> repos;
  for (int i = 0; i < 20; ++i) {
    const std::string id = "org/kernel" + std::to_string(i);
    // Every fifth repo is an older kernel published as a model.
    hub.add(i % 5 == 0 ? RepoType::model : RepoType::kernel, id, FakeRepo{});
    repos.push_back(RepoRef{id, RepoType::kernel});
  }
  repos.push_back(RepoRef{"org/missing", RepoType::kernel});
  hub.hook = [&](const httplib::Request&, httplib::Response&) {
    probe.enter();
    probe.wait_for_company();
    probe.leave();
    return false;
  };
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto results = client.refs_many(repos);
  REQUIRE(results.size() == 21);
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    REQUIRE(results[static_cast<std::size_t>(i)].has_value());
    CHECK(results[static_cast<std::size_t>(i)]->repo.repo_id ==
          repos[static_cast<std::size_t>(i)].repo_id);
    CHECK(results[static_cast<std::size_t>(i)]->repo.type ==
          (i % 5 == 0 ? RepoType::model : RepoType::kernel));
  }
  REQUIRE_FALSE(results[20].has_value());
  CHECK(results[20].error().code == ErrorCode::not_found);
  CHECK(probe.max_in_flight() >= 2);
  CHECK(hub.count("/api/kernels/") == 21);
  CHECK(hub.count("/api/models/") == 5);  // 4 model repos and the missing one

  // The first requests are all kernel-type: the fallbacks came after the whole first batch.
  const auto seen = hub.seen();
  for (std::size_t i = 0; i < 21; ++i)
    CHECK(seen[i].target.starts_with("/api/kernels/"));

  // The next stage asks each repo with the type that answered.
  std::vector<RepoRevision> infos;
  for (const auto& result : results) {
    if (result)
      infos.push_back(RepoRevision{RepoRef{result->repo.repo_id}, result->branches[0].name});
  }
  const auto answered = client.repo_info_many(infos);
  for (const auto& info : answered) {
    REQUIRE(info.has_value());
    CHECK(info->sha == kCommit);
  }
  CHECK(hub.count("/api/kernels/") == 21 + 16);
  CHECK(hub.count("/api/models/") == 5 + 4);
}

TEST_CASE("hub batch: tree pages are read in rounds shared by every repo") {
  FakeHub hub;
  const std::vector<std::size_t> page_counts = {3, 1, 2, 4};
  std::vector<TreeQuery> queries;
  for (std::size_t r = 0; r < page_counts.size(); ++r) {
    FakeRepo repo;
    repo.tree_pages.clear();
    for (std::size_t p = 0; p < page_counts[r]; ++p)
      repo.tree_pages.push_back(page_of("r" + std::to_string(r) + "p" + std::to_string(p)));
    const std::string id = "org/k" + std::to_string(r);
    hub.add(RepoType::kernel, id, repo);
    queries.push_back(TreeQuery{RepoRef{id}, std::string(kCommit), "", true});
  }
  queries.push_back(TreeQuery{RepoRef{"org/k1"}, "v99", "", true});  // fails alone
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto trees = client.tree_many(queries);
  REQUIRE(trees.size() == 5);
  for (std::size_t r = 0; r < page_counts.size(); ++r) {
    CAPTURE(r);
    REQUIRE(trees[r].has_value());
    REQUIRE(trees[r]->entries.size() == page_counts[r]);
    for (std::size_t p = 0; p < page_counts[r]; ++p)
      CHECK(trees[r]->entries[p].path == "r" + std::to_string(r) + "p" + std::to_string(p));
  }
  REQUIRE_FALSE(trees[4].has_value());
  CHECK(trees[4].error().code == ErrorCode::not_found);

  // 5 first pages, then rounds of 3, 2 and 1 follow-up pages: every page of round n is asked
  // before any page of round n + 1.
  const auto seen = hub.seen();
  REQUIRE(seen.size() == 5 + 3 + 2 + 1);
  const auto round_of = [](const std::string& target) -> int {
    const auto at = target.find("&cursor=");
    return at == std::string::npos ? 0 : std::stoi(target.substr(at + 8));
  };
  for (std::size_t i = 1; i < seen.size(); ++i)
    CHECK(round_of(seen[i - 1].target) <= round_of(seen[i].target));
}

TEST_CASE("hub batch: a Link that leads back to a page already read is refused") {
  FakeHub hub;
  hub.add(RepoType::kernel, "org/loop", FakeRepo{});
  hub.hook = [&](const httplib::Request& request, httplib::Response& response) {
    if (!request.target.starts_with("/api/kernels/org/loop/tree/")) return false;
    const std::string first = "/api/kernels/org/loop/tree/main?recursive=true&expand=false";
    const std::string second = first + "&cursor=1";
    response.set_header("Link", "<" + hub.endpoint() + (request.target == first ? second : first) +
                                    ">; rel=\"next\"");
    response.set_content(page_of("x"), "application/json");
    return true;
  };
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));
  const auto tree = client.tree(TreeQuery{RepoRef{"org/loop"}, "main", "", true});
  REQUIRE_FALSE(tree.has_value());
  CHECK(tree.error().code == ErrorCode::network);
  CHECK(tree.error().message.find("leads back to a page already read") != std::string::npos);
  CHECK(hub.seen().size() == 2);
}

TEST_CASE("hub batch: kernel-status.toml for many repos, file metadata for many files") {
  FakeHub hub;
  FakeRepo moved;
  moved.files["kernel-status.toml"] = "kind = \"redirect\"\ndestination = \"org/new\"\n";
  hub.add(RepoType::kernel, "org/moved", moved);
  FakeRepo plain;
  plain.files["a.txt"] = "aaa";
  plain.files["b/c.txt"] = "cc";
  hub.add(RepoType::kernel, "org/plain", plain);
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const std::vector<RepoRevision> statuses = {{RepoRef{"org/moved"}, ""},
                                              {RepoRef{"org/plain"}, "main"}};
  const auto status = client.kernel_status_many(statuses);
  REQUIRE(status[0].has_value());
  REQUIRE(status[0]->has_value());
  CHECK((*status[0])->destination == "org/new");
  REQUIRE(status[1].has_value());
  CHECK_FALSE(status[1]->has_value());

  const std::vector<kernels::FileQuery> files = {{RepoRef{"org/plain"}, "main", "a.txt"},
                                                 {RepoRef{"org/plain"}, "main", "b/c.txt"},
                                                 {RepoRef{"org/plain"}, "main", "nope"}};
  const auto metadata = client.file_metadata_many(files);
  REQUIRE(metadata[0].has_value());
  CHECK(metadata[0]->size == 3);
  REQUIRE(metadata[1].has_value());
  CHECK(metadata[1]->size == 2);
  REQUIRE_FALSE(metadata[2].has_value());
  CHECK(metadata[2].error().code == ErrorCode::not_found);
}
