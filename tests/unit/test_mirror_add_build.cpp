#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "kernels/mirror/add_build.hpp"
#include "kernels/mirror/store.hpp"
#include "kernels/util/hash.hpp"

#include "scratch_dir.hpp"

using kernels::ErrorCode;
using kernels::testing::ScratchDir;
namespace fs = std::filesystem;
namespace mirror = kernels::mirror;

namespace {

constexpr std::int64_t kDate = 1767225600;  // 2026-01-01T00:00:00Z

std::string elf_content() {
  std::string content =
      "\x7f"
      "ELF";
  content.append(1020, '\0');
  return content;
}

// A build folder like kernel-builder's output: one variant with metadata, Python and a .so.
void make_build(const ScratchDir& scratch, const std::string& readme = "# relu\n") {
  fs::create_directories(scratch.path() / "build/build/torch28-cpu/relu");
  scratch.write("build/README.md", readme);
  scratch.write("build/build/torch28-cpu/metadata.json", "{\n  \"version\": 1\n}\n");
  scratch.write("build/build/torch28-cpu/relu/__init__.py", "from ._ops import ops\n");
  scratch.write("build/build/torch28-cpu/relu/_relu_abc.abi3.so", elf_content());
}

mirror::AddBuildOptions options_for(const ScratchDir& scratch) {
  mirror::AddBuildOptions options;
  options.build_dir = scratch.path() / "build";
  options.repo_id = "kernels-community/relu";
  options.created_unix_seconds = kDate;
  return options;
}

mirror::Store open_store(const ScratchDir& scratch) {
  return mirror::Store::open_or_create(scratch.path() / "mirror").value();
}

}  // namespace

TEST_CASE("mirror add: the LFS decision follows the Hub's binary patterns and size limit") {
  CHECK(mirror::is_lfs_file("build/x/relu/_relu.abi3.so", 10));
  CHECK(mirror::is_lfs_file("build/x/lib.dylib", 10));
  CHECK(mirror::is_lfs_file("build/x/lib.dll", 10));
  CHECK(mirror::is_lfs_file("build/x/kernels.metallib", 10));
  CHECK(!mirror::is_lfs_file("build/x/relu/__init__.py", 10));
  CHECK(!mirror::is_lfs_file("build/x/so", 10));
  CHECK(!mirror::is_lfs_file("build/x/data.bin", mirror::kLfsSizeThreshold));
  CHECK(mirror::is_lfs_file("build/x/data.bin", mirror::kLfsSizeThreshold + 1));
}

TEST_CASE("mirror add: a build becomes a commit on main with Hub oids and stored objects") {
  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  mirror::AddBuildOptions options = options_for(scratch);
  options.tag = "v1.0.0";
  options.branch = "v1";
  const auto added = mirror::add_build(store, options);
  REQUIRE(added);
  CHECK(added->created_repo);
  CHECK(!added->parent);
  CHECK(added->files == 4);
  CHECK(added->lfs_files == 1);

  const auto refs = store.read_refs("kernels-community/relu").value();
  CHECK(refs.branches.at("main") == added->commit);
  CHECK(refs.branches.at("v1") == added->commit);
  CHECK(refs.tags.at("v1.0.0") == added->commit);

  const auto commit = store.read_commit("kernels-community/relu", added->commit).value();
  CHECK(commit.created == "2026-01-01T00:00:00.000Z");
  CHECK(commit.message == "Add build");
  REQUIRE(commit.files.size() == 4);
  CHECK(commit.files[0].path == "README.md");
  const mirror::MirrorFile& so = commit.files[3];
  CHECK(so.path == "build/torch28-cpu/relu/_relu_abc.abi3.so");
  CHECK(so.lfs);
  CHECK(so.size == 1024);
  CHECK(so.sha256 == "469cbca28cea28014adae80244e707fac8511307b6e10fb57eeeeaba552baea8");
  CHECK(so.oid == "d9e8e41374d0b7c111e64619345f6353f3f75ad0");  // the pointer's blob id
  const mirror::MirrorFile& init = commit.files[2];
  CHECK(!init.lfs);
  CHECK(init.oid == "1cec5723464b586acbda5ab039a6248d38255033");  // hub-api.md's example
  for (const mirror::MirrorFile& file : commit.files) {
    const fs::path object = store.object_path(file.sha256).value();
    REQUIRE(fs::is_regular_file(object));
    CHECK(fs::file_size(object) == file.size);
  }
  CHECK(ScratchDir::read(store.object_path(so.sha256).value()) == elf_content());
  const auto settings = store.read_repo("kernels-community/relu").value();
  REQUIRE(settings.has_value());
  CHECK(settings->type == mirror::RepoType::kernel);
  CHECK(settings->created_at == "2026-01-01T00:00:00.000Z");
}

TEST_CASE("mirror add: adding twice makes two commits, the second a child of the first") {
  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  const auto first = mirror::add_build(store, options_for(scratch));
  REQUIRE(first);
  const auto second = mirror::add_build(store, options_for(scratch));
  REQUIRE(second);
  CHECK(second->commit != first->commit);
  CHECK(!second->created_repo);
  REQUIRE(second->parent);
  CHECK(*second->parent == first->commit);
  const auto commit = store.read_commit("kernels-community/relu", second->commit).value();
  CHECK(commit.parents == std::vector<std::string>{first->commit});
  CHECK(store.read_refs("kernels-community/relu").value().branches.at("main") == second->commit);
}

TEST_CASE("mirror add: the same builds on the same date give the same commit ids") {
  std::string ids[2][2];
  for (auto& run : ids) {
    const ScratchDir scratch;
    make_build(scratch);
    const mirror::Store store = open_store(scratch);
    run[0] = mirror::add_build(store, options_for(scratch)).value().commit;
    run[1] = mirror::add_build(store, options_for(scratch)).value().commit;
  }
  CHECK(ids[0][0] == ids[1][0]);
  CHECK(ids[0][1] == ids[1][1]);

  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  mirror::AddBuildOptions later = options_for(scratch);
  later.created_unix_seconds = kDate + 1;
  CHECK(mirror::add_build(store, later).value().commit != ids[0][0]);
}

TEST_CASE("mirror add: an existing tag is never moved, and nothing is written") {
  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  mirror::AddBuildOptions options = options_for(scratch);
  options.tag = "v1.0.0";
  const auto first = mirror::add_build(store, options);
  REQUIRE(first);
  make_build(scratch, "# relu, changed\n");
  options.branch = "v1";
  const auto again = mirror::add_build(store, options);
  REQUIRE(!again);
  CHECK(again.error().code == ErrorCode::failure);
  CHECK(again.error().message.find("v1.0.0") != std::string::npos);
  CHECK(again.error().message.find(first->commit) != std::string::npos);
  const auto refs = store.read_refs("kernels-community/relu").value();
  CHECK(refs.branches.at("main") == first->commit);
  CHECK(!refs.branches.contains("v1"));
  CHECK(refs.tags.at("v1.0.0") == first->commit);
}

TEST_CASE("mirror add: a branch is created, then moved by a later add") {
  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  mirror::AddBuildOptions options = options_for(scratch);
  options.branch = "v1";
  const auto first = mirror::add_build(store, options).value();
  const auto second = mirror::add_build(store, options).value();
  const auto refs = store.read_refs("kernels-community/relu").value();
  CHECK(refs.branches.at("v1") == second.commit);
  CHECK(refs.branches.at("main") == second.commit);
  CHECK(first.commit != second.commit);
}

TEST_CASE("mirror add: links inside the build folder are followed, links leaving it refused") {
  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  fs::create_symlink("README.md", scratch.path() / "build/README-link.md");
  const auto added = mirror::add_build(store, options_for(scratch));
  REQUIRE(added);
  const auto commit = store.read_commit("kernels-community/relu", added->commit).value();
  REQUIRE(commit.files.size() == 5);
  CHECK(commit.files[0].path == "README-link.md");  // '-' sorts before '.'
  CHECK(commit.files[1].sha256 == commit.files[0].sha256);

  scratch.write("outside.txt", "secret\n");
  fs::create_symlink(scratch.path() / "outside.txt", scratch.path() / "build/escape.txt");
  const auto escaped = mirror::add_build(store, options_for(scratch));
  REQUIRE(!escaped);
  CHECK(escaped.error().message.find("outside the build folder") != std::string::npos);
  fs::remove(scratch.path() / "build/escape.txt");

  fs::create_directory_symlink(scratch.path() / "build/build", scratch.path() / "build/loop");
  const auto folder_link = mirror::add_build(store, options_for(scratch));
  REQUIRE(!folder_link);
  CHECK(folder_link.error().message.find("links to folders") != std::string::npos);
}

TEST_CASE("mirror add: bad options and folders are refused with a clear error") {
  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  mirror::AddBuildOptions options = options_for(scratch);
  options.repo_id = "not-a-repo-id";
  CHECK(mirror::add_build(store, options).error().code == ErrorCode::invalid_input);
  options = options_for(scratch);
  options.tag = "bad tag";
  CHECK(mirror::add_build(store, options).error().code == ErrorCode::invalid_input);
  options = options_for(scratch);
  options.build_dir = scratch.path() / "missing";
  CHECK(mirror::add_build(store, options).error().code == ErrorCode::not_found);
  fs::create_directories(scratch.path() / "empty/sub");
  options.build_dir = scratch.path() / "empty";
  CHECK(mirror::add_build(store, options).error().message.find("no files") != std::string::npos);
  CHECK(!fs::exists(scratch.path() / "mirror/repos/kernels-community/relu/refs.json"));
}

TEST_CASE("mirror add: a repo keeps its type, and private and trusted flags are recorded") {
  const ScratchDir scratch;
  make_build(scratch);
  const mirror::Store store = open_store(scratch);
  mirror::AddBuildOptions options = options_for(scratch);
  options.make_private = true;
  options.trusted_publisher = true;
  REQUIRE(mirror::add_build(store, options));
  CHECK(store.read_repo("kernels-community/relu").value()->is_private);
  CHECK(store.read_org("kernels-community").value()->trusted_kernel_publisher);
  options = options_for(scratch);
  options.type = mirror::RepoType::model;
  const auto wrong_type = mirror::add_build(store, options);
  REQUIRE(!wrong_type);
  CHECK(wrong_type.error().message.find("--type kernel") != std::string::npos);
  options = options_for(scratch);
  REQUIRE(mirror::add_build(store, options));
  CHECK(store.read_repo("kernels-community/relu").value()->is_private);  // stays private
}
