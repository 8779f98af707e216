#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "kernels/cache/blob_store.hpp"
#include "kernels/cache/cache_inventory.hpp"
#include "kernels/cache/cache_prune.hpp"
#include "kernels/util/hash.hpp"

#include "scratch_dir.hpp"

namespace fs = std::filesystem;
using kernels::CacheFile;
using kernels::CacheRepo;
using kernels::RepoType;

namespace {

const std::string kCommit(40, 'a');

CacheFile put(const CacheRepo& repo, const std::string& path, const std::string& content) {
  CacheFile file{path, *kernels::git_blob_id(content), content.size()};
  auto writer = kernels::BlobWriter::open(repo, file);
  REQUIRE(writer.has_value());
  REQUIRE(writer->append(std::as_bytes(std::span(content.data(), content.size()))).has_value());
  REQUIRE(writer->publish().has_value());
  REQUIRE(kernels::link_snapshot_file(repo, kCommit, file).has_value());
  return file;
}

}  // namespace

TEST_CASE("cache inventory: folder names map back to repo ids") {
  auto kernel = kernels::repo_from_cache_folder("kernels--org--relu");
  REQUIRE(kernel.has_value());
  CHECK(kernel->first == "org/relu");
  CHECK(kernel->second == RepoType::kernel);
  auto model = kernels::repo_from_cache_folder("models--org--name--x");
  REQUIRE(model.has_value());
  CHECK(model->first == "org/name--x");
  CHECK(model->second == RepoType::model);
  for (const char* name : {"datasets--org--x", "kernels--", "kernels--org", "kernels----x",
                           "kernels--org--", ".locks"}) {
    CAPTURE(name);
    CHECK_FALSE(kernels::repo_from_cache_folder(name).has_value());
  }
}

TEST_CASE("cache inventory: a link names a blob only when it points into this repo's blobs") {
  kernels::testing::ScratchDir dir;
  const fs::path blobs = dir.path() / "kernels--o--n" / "blobs";
  const fs::path folder = dir.path() / "kernels--o--n" / "snapshots" / kCommit / "build" / "v";
  fs::create_directories(folder);
  const std::string etag(40, 'b');
  fs::create_symlink("../../../../blobs/" + etag, folder / "good");
  fs::create_symlink("../../../../../kernels--x--y/blobs/" + etag, folder / "other_repo");
  fs::create_symlink("/etc/passwd", folder / "outside");
  fs::create_symlink("../../../../blobs/not-an-etag", folder / "bad_name");
  CHECK(kernels::snapshot_link_blob(folder / "good", blobs) == etag);
  CHECK(kernels::snapshot_link_blob(folder / "other_repo", blobs).empty());
  CHECK(kernels::snapshot_link_blob(folder / "outside", blobs).empty());
  CHECK(kernels::snapshot_link_blob(folder / "bad_name", blobs).empty());
}

TEST_CASE("cache inventory: variants, shared blobs counted once, strays") {
  kernels::testing::ScratchDir dir;
  const CacheRepo repo{dir.path(), "org/relu", RepoType::kernel};
  put(repo, "build/cpu/a.py", "shared");
  put(repo, "build/cuda/a.py", "shared");
  put(repo, "build/cuda/b.so", "only cuda");
  fs::create_symlink("/etc/hostname", repo.variant_dir(kCommit, "cpu") / "planted");
  auto inventory = kernels::scan_cache(dir.path());
  REQUIRE(inventory.has_value());
  REQUIRE(inventory->repos.size() == 1);
  const auto& info = inventory->repos[0];
  CHECK(info.repo_id == "org/relu");
  CHECK(info.bytes == 6 + 9);
  REQUIRE(info.commits.size() == 1);
  CHECK(info.commits[0].bytes == 6 + 9);
  REQUIRE(info.commits[0].variants.size() == 2);
  CHECK(info.commits[0].variants[0].name == "cpu");
  CHECK(info.commits[0].variants[0].bytes == 6);
  CHECK(info.commits[0].variants[1].bytes == 15);
  CHECK_FALSE(info.commits[0].variants[0].verified);
  REQUIRE(info.strays.size() == 1);
  CHECK(info.strays[0].ends_with("planted"));
}

TEST_CASE("cache prune: refuses to run without a keep rule or a date") {
  kernels::testing::ScratchDir dir;
  auto report =
      kernels::prune_cache(kernels::PruneRequest{dir.path(), std::nullopt, std::nullopt, false});
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().message.find("--keep") != std::string::npos);
}

TEST_CASE("cache prune: an old variant goes, the blob it shared with a used one stays") {
  kernels::testing::ScratchDir dir;
  const CacheRepo repo{dir.path(), "org/relu", RepoType::kernel};
  const CacheFile shared = put(repo, "build/cpu/a.py", "shared");
  put(repo, "build/cuda/a.py", "shared");
  const CacheFile cuda_only = put(repo, "build/cuda/b.so", "only cuda");
  // cuda's links were made long ago (the links themselves, not their blobs).
  const struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  for (const char* name : {"a.py", "b.so"}) {
    const fs::path link = repo.variant_dir(kCommit, "cuda") / name;
    REQUIRE(::utimensat(AT_FDCWD, link.c_str(), old, AT_SYMLINK_NOFOLLOW) == 0);
  }
  kernels::PruneRequest request{dir.path(), std::nullopt,
                                std::chrono::system_clock::now() - std::chrono::hours(24), true};
  auto dry = kernels::prune_cache(request);
  REQUIRE(dry.has_value());
  CHECK(dry->bytes_freed == 9);
  CHECK(fs::exists(repo.variant_dir(kCommit, "cuda")));

  request.dry_run = false;
  auto report = kernels::prune_cache(request);
  REQUIRE(report.has_value());
  REQUIRE(report->removed.size() == 2);
  CHECK(report->removed[0].kind == kernels::PrunedKind::variant);
  CHECK(report->removed[0].variant == "cuda");
  CHECK(report->removed[1].kind == kernels::PrunedKind::blob);
  CHECK_FALSE(fs::exists(repo.variant_dir(kCommit, "cuda")));
  CHECK_FALSE(fs::exists(repo.blob_path(cuda_only.etag)));
  CHECK(fs::exists(repo.blob_path(shared.etag)));
  CHECK(fs::exists(repo.variant_dir(kCommit, "cpu") / "a.py"));

  // Kept by a lock, nothing goes whatever the date.
  request.keep = std::set<std::pair<std::string, std::string>>{{"org/relu", kCommit}};
  request.older_than = std::chrono::system_clock::now() + std::chrono::hours(1);
  auto kept = kernels::prune_cache(request);
  REQUIRE(kept.has_value());
  CHECK(kept->removed.empty());
}
