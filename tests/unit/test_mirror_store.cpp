#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "kernels/mirror/store.hpp"
#include "kernels/util/hash.hpp"

#include "scratch_dir.hpp"

using kernels::ErrorCode;
using kernels::testing::ScratchDir;
namespace mirror = kernels::mirror;

namespace {

mirror::MirrorCommit sample_commit() {
  mirror::MirrorCommit commit;
  commit.created = "2026-01-01T00:00:00.000Z";
  commit.message = "Add build";
  commit.files.push_back({"README.md", 5, std::string(40, 'a'), std::string(64, 'b'), false});
  commit.files.push_back({"build/x/a.so", 1024, std::string(40, 'c'), std::string(64, 'd'), true});
  return commit;
}

}  // namespace

TEST_CASE("mirror store: the LFS pointer and its blob id match the Hub's example") {
  // hub-api.md section 2: `\x7fELF` + 1020 NUL bytes, stored in LFS.
  std::string content =
      "\x7f"
      "ELF";
  content.append(1020, '\0');
  const auto sha256 = kernels::sha256_hex(content);
  REQUIRE(sha256);
  CHECK(*sha256 == "469cbca28cea28014adae80244e707fac8511307b6e10fb57eeeeaba552baea8");
  const std::string pointer = mirror::lfs_pointer(*sha256, content.size());
  CHECK(pointer.size() == 129);
  CHECK(kernels::git_blob_id(pointer).value() == "d9e8e41374d0b7c111e64619345f6353f3f75ad0");
}

TEST_CASE("mirror store: dates are the Hub's UTC form") {
  CHECK(mirror::iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(mirror::iso8601_utc(1700000000) == "2023-11-14T22:13:20.000Z");
}

TEST_CASE("mirror store: commit ids are deterministic and change with any field") {
  const mirror::MirrorCommit commit = sample_commit();
  const auto id = mirror::commit_id(commit);
  REQUIRE(id);
  CHECK(id->size() == 40);
  CHECK(mirror::commit_id(sample_commit()).value() == *id);

  mirror::MirrorCommit other = sample_commit();
  other.created = "2026-01-01T00:00:01.000Z";
  CHECK(mirror::commit_id(other).value() != *id);
  other = sample_commit();
  other.parents.push_back(*id);
  CHECK(mirror::commit_id(other).value() != *id);
  other = sample_commit();
  other.files[1].lfs = false;
  CHECK(mirror::commit_id(other).value() != *id);
}

TEST_CASE("mirror store: invalid commits are refused") {
  mirror::MirrorCommit commit = sample_commit();
  commit.files[0].path = "../escape";
  CHECK(!mirror::commit_id(commit));
  commit = sample_commit();
  std::swap(commit.files[0], commit.files[1]);  // unsorted
  CHECK(!mirror::commit_id(commit));
  commit = sample_commit();
  commit.files.push_back({"build", 1, std::string(40, 'e'), std::string(64, 'f'), false});
  std::swap(commit.files[1], commit.files[2]);  // "build" sorts before "build/x/a.so"
  const auto clash = mirror::commit_id(commit);
  REQUIRE(!clash);
  CHECK(clash.error().message.find("both a file and a folder") != std::string::npos);
  commit = sample_commit();
  commit.files[0].sha256 = std::string(64, 'B');  // not lowercase hex
  CHECK(!mirror::commit_id(commit));
  commit = sample_commit();
  commit.created = "2026-01-01 00:00:00";
  CHECK(!mirror::commit_id(commit));
}

TEST_CASE("mirror store: commits, refs and settings round-trip through the directory") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path() / "m");
  REQUIRE(store);
  CHECK(std::filesystem::is_regular_file(scratch.path() / "m" / "mirror.json"));

  mirror::MirrorCommit commit = sample_commit();
  std::swap(commit.files[0], commit.files[1]);  // write_commit sorts
  const auto id = store->write_commit("org/repo", commit);
  REQUIRE(id);
  const auto read = store->read_commit("org/repo", *id);
  REQUIRE(read);
  CHECK(read->id == *id);
  CHECK(read->files.size() == 2);
  CHECK(read->files[0].path == "README.md");
  CHECK(read->files[1].lfs);

  mirror::MirrorRefs refs;
  refs.branches["main"] = *id;
  refs.tags["v1.0.0"] = *id;
  REQUIRE(store->write_refs("org/repo", refs));
  const auto refs_back = store->read_refs("org/repo");
  REQUIRE(refs_back);
  CHECK(refs_back->branches == refs.branches);
  CHECK(refs_back->tags == refs.tags);

  mirror::RepoSettings settings;
  settings.type = mirror::RepoType::model;
  settings.is_private = true;
  settings.created_at = "2026-01-01T00:00:00.000Z";
  REQUIRE(store->write_repo("org/repo", settings));
  const auto settings_back = store->read_repo("org/repo");
  REQUIRE(settings_back);
  REQUIRE(settings_back->has_value());
  CHECK((*settings_back)->type == mirror::RepoType::model);
  CHECK((*settings_back)->is_private);
  CHECK(!(*settings_back)->gated);
  CHECK(store->list_repos("org").value() == std::vector<std::string>{"org/repo"});
  CHECK(!store->read_repo("org/other").value().has_value());
  CHECK(!store->read_org("org").value().has_value());
}

TEST_CASE("mirror store: an edited commit file no longer matches its id") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path());
  REQUIRE(store);
  const auto id = store->write_commit("org/repo", sample_commit());
  REQUIRE(id);
  const auto path = scratch.path() / "repos" / "org" / "repo" / "commits" / (*id + ".json");
  std::string text = ScratchDir::read(path);
  text.replace(text.find("Add build"), 9, "Add buile");
  std::filesystem::remove(path);
  scratch.write("repos/org/repo/commits/" + *id + ".json", text);
  const auto read = store->read_commit("org/repo", *id);
  REQUIRE(!read);
  CHECK(read.error().code == ErrorCode::integrity);
}

TEST_CASE("mirror store: a missing commit is not_found, a bad id invalid_input") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path());
  REQUIRE(store);
  CHECK(store->read_commit("org/repo", std::string(40, 'a')).error().code == ErrorCode::not_found);
  CHECK(store->read_commit("org/repo", "../../x").error().code == ErrorCode::invalid_input);
}

TEST_CASE("mirror store: repo ids and object names are validated before they become paths") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path());
  REQUIRE(store);
  for (const char* repo : {"../x", "org/..", "org/../x", "org", "a/b/c", "/abs/x", "org/na me",
                           "org/-x", "org/x.", "or--g/x"}) {
    CHECK_MESSAGE(!store->repo_dir(repo), repo);
  }
  CHECK(store->repo_dir("kernels-community/relu"));
  CHECK(!store->object_path("../../etc/passwd"));
  CHECK(!store->object_path(std::string(64, 'A')));
  CHECK(store->object_path(std::string(64, 'a')).value() ==
        scratch.path() / "objects" / "aa" / std::string(64, 'a'));
}

TEST_CASE("mirror store: malformed JSON on disk is an error, not a crash") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path());
  REQUIRE(store);
  std::filesystem::create_directories(scratch.path() / "repos" / "org" / "repo");
  scratch.write("repos/org/repo/refs.json", R"({"branches": {"main": "not-a-sha"}})");
  CHECK(store->read_refs("org/repo").error().code == ErrorCode::invalid_input);
  scratch.write("repos/org/repo/repo.json", R"({"type": "dataset"})");
  CHECK(!store->read_repo("org/repo"));
  std::filesystem::remove(scratch.path() / "repos/org/repo/refs.json");
  scratch.write("repos/org/repo/refs.json",
                R"({"branches": {"../x": ")" + std::string(40, 'a') + "\"}}");
  CHECK(!store->read_refs("org/repo"));
}

TEST_CASE("mirror store: opening a folder that is not a mirror says how to make one") {
  const ScratchDir scratch;
  const auto store = mirror::Store::open(scratch.path());
  REQUIRE(!store);
  CHECK(store.error().code == ErrorCode::not_found);
  CHECK(store.error().message.find("kernels mirror add") != std::string::npos);
  scratch.write("mirror.json", R"({"format": 3})");
  CHECK(mirror::Store::open(scratch.path()).error().code == ErrorCode::invalid_input);
  std::filesystem::remove(scratch.path() / "mirror.json");
  scratch.write("mirror.json", R"({"format": 0})");
  CHECK(mirror::Store::open(scratch.path()).error().code == ErrorCode::invalid_input);
}

TEST_CASE("mirror store: a pulled commit keeps the upstream's id and raises the format to 2") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path());
  REQUIRE(store);
  CHECK(ScratchDir::read(scratch.path() / "mirror.json").find("\"format\": 1") !=
        std::string::npos);
  // A local commit first: format 1 holds it, and its id is unchanged by format 2.
  const auto local = store->write_commit("org/repo", sample_commit());
  REQUIRE(local);
  CHECK(*local == mirror::commit_id(sample_commit()).value());
  CHECK(ScratchDir::read(scratch.path() / "mirror.json").find("\"format\": 1") !=
        std::string::npos);

  mirror::MirrorCommit pulled = sample_commit();
  const std::string upstream_id = "0123456789abcdef0123456789abcdef01234567";
  pulled.upstream = mirror::CommitUpstream{upstream_id, "https://hub.example"};
  CHECK(mirror::commit_id(pulled).value() == upstream_id);
  const auto id = store->write_commit("org/repo", pulled);
  REQUIRE(id);
  CHECK(*id == upstream_id);
  CHECK(ScratchDir::read(scratch.path() / "mirror.json").find("\"format\": 2") !=
        std::string::npos);

  const auto read = store->read_commit("org/repo", upstream_id);
  REQUIRE(read);
  CHECK(read->id == upstream_id);
  REQUIRE(read->upstream);
  CHECK(read->upstream->commit == upstream_id);
  CHECK(read->upstream->endpoint == "https://hub.example");
  CHECK(read->files.size() == 2);
  // The local commit reads as before, and the store opens again (format 2 is read).
  CHECK(store->read_commit("org/repo", *local).value().upstream == std::nullopt);
  CHECK(mirror::Store::open(scratch.path()));
}

TEST_CASE("mirror store: a pulled commit is checked against its name and its file list") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path());
  REQUIRE(store);
  mirror::MirrorCommit pulled = sample_commit();
  pulled.upstream = mirror::CommitUpstream{std::string(40, 'e'), "https://hub.example"};
  const std::string id = store->write_commit("org/repo", pulled).value();

  // Copied under another name: the upstream id inside no longer matches.
  const auto original = scratch.path() / "repos/org/repo/commits" / (id + ".json");
  const std::string other(40, 'f');
  scratch.write("repos/org/repo/commits/" + other + ".json", ScratchDir::read(original));
  const auto renamed = store->read_commit("org/repo", other);
  REQUIRE(!renamed);
  CHECK(renamed.error().code == ErrorCode::integrity);

  // An upstream id that is not 40 lowercase hex is refused, on write and on read.
  mirror::MirrorCommit bad = sample_commit();
  bad.upstream = mirror::CommitUpstream{std::string(40, 'E'), ""};
  CHECK(store->write_commit("org/repo", bad).error().code == ErrorCode::invalid_input);
  std::string text = ScratchDir::read(original);
  text.replace(text.find(std::string(40, 'e')), 40, std::string(39, 'e'));
  std::filesystem::remove(original);
  scratch.write("repos/org/repo/commits/" + id + ".json", text);
  CHECK(store->read_commit("org/repo", id).error().code == ErrorCode::invalid_input);

  // The file list is validated as for any commit.
  mirror::MirrorCommit unsorted = pulled;
  unsorted.upstream->commit = std::string(40, 'd');
  unsorted.files.back().sha256 = "not hex";
  CHECK(store->write_commit("org/repo", unsorted).error().code == ErrorCode::invalid_input);
}

TEST_CASE("mirror store: revisions resolve as commit, full ref, tag, then branch") {
  const ScratchDir scratch;
  auto store = mirror::Store::open_or_create(scratch.path());
  REQUIRE(store);
  const std::string first = store->write_commit("org/repo", sample_commit()).value();
  mirror::MirrorCommit second_commit = sample_commit();
  second_commit.parents.push_back(first);
  const std::string second = store->write_commit("org/repo", second_commit).value();
  mirror::MirrorRefs refs;
  refs.branches["main"] = second;
  refs.branches["v1"] = first;
  refs.tags["v1.0.0"] = first;
  refs.tags["main"] = first;  // a tag shadows a branch of the same name, as in git

  const auto resolve = [&](const std::string& revision) {
    return mirror::resolve_revision(*store, "org/repo", refs, revision).value();
  };
  CHECK(resolve(first) == first);
  CHECK(resolve(second) == second);
  CHECK(resolve("v1") == first);
  CHECK(resolve("refs/heads/v1") == first);
  CHECK(resolve("refs/heads/main") == second);
  CHECK(resolve("refs/tags/v1.0.0") == first);
  CHECK(resolve("v1.0.0") == first);
  CHECK(resolve("main") == first);
  CHECK(!resolve("v2").has_value());
  CHECK(!resolve("refs/heads/v1.0.0").has_value());
  CHECK(!resolve(std::string(40, 'a')).has_value());  // well-formed but unknown commit
  CHECK(!resolve("refs/pr/1").has_value());
}

TEST_CASE("mirror store: ref names follow git's rules") {
  for (const char* good : {"main", "v1", "v1.0.0", "feature/x", "release-2026_01"}) {
    CHECK_MESSAGE(mirror::validate_ref_name(good), good);
  }
  for (const char* bad : {"",     "a b",          "a..b",
                          "a~1",  "a^",           "a:b",
                          "a?",   "a*",           "a[",
                          "a\\b", "/a",           "a/",
                          "a.",   ".a",           "a/.b",
                          "a//b", "a.lock",       "a@{1}",
                          "@",    "refs/heads/x", "0123456789abcdef0123456789abcdef01234567"}) {
    CHECK_MESSAGE(!mirror::validate_ref_name(bad), bad);
  }
}
