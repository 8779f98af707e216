#include <cstddef>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include <doctest/doctest.h>

#include "kernels/cache/blob_store.hpp"
#include "kernels/cache/cache_layout.hpp"
#include "kernels/cache/variant_verify.hpp"
#include "kernels/cache/verified_marker.hpp"
#include "kernels/util/hash.hpp"

#include "scratch_dir.hpp"

namespace {

using kernels::CacheFile;
using kernels::CacheRepo;

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

// Downloads `content` as the blob of `path` (git blob id, or SHA-256 when `lfs`) and links it.
CacheFile put(const CacheRepo& repo, const std::string& commit, const std::string& path,
              const std::string& content, bool lfs = false) {
  const std::string etag = lfs ? *kernels::sha256_hex(content) : *kernels::git_blob_id(content);
  CacheFile file{path, etag, content.size()};
  auto writer = kernels::BlobWriter::open(repo, file);
  REQUIRE(writer);
  REQUIRE(writer->append(bytes_of(content)));
  REQUIRE(writer->publish());
  REQUIRE(kernels::link_snapshot_file(repo, commit, file));
  return file;
}

void overwrite(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

const std::string kCommit(40, 'a');
const std::string kVariant = "torch-cpu";

}  // namespace

TEST_CASE("cache: layout names follow huggingface_hub") {
  const CacheRepo repo{"/c", "org/relu", kernels::RepoType::kernel};
  CHECK(repo.blob_path("ab") == "/c/kernels--org--relu/blobs/ab");
  CHECK(repo.lock_path("ab") == "/c/.locks/kernels--org--relu/ab.lock");
  CHECK(repo.incomplete_path("ab") == "/c/kernels--org--relu/blobs/ab.incomplete");
  CHECK(repo.marker_path(kCommit, "torch-cpu") ==
        "/c/kernels--org--relu/kernels-verified/" + kCommit + "/torch-cpu.json");
  CHECK(kernels::snapshot_link_target("build/v/relu/x.so", "e") == "../../../../../blobs/e");
  CHECK(kernels::snapshot_link_target("README.md", "e") == "../../blobs/e");
  CHECK(kernels::is_bytecode_path("build/v/__pycache__/x.txt"));
  CHECK(kernels::is_bytecode_path("build/v/x.pyc"));
  CHECK_FALSE(kernels::is_bytecode_path("build/v/pycache/x.py"));
  CHECK_FALSE(kernels::validate_etag("../x", "f"));
  CHECK_FALSE(kernels::validate_etag(std::string(40, 'A'), "f"));
  CHECK(kernels::validate_etag(std::string(64, 'f'), "f"));
}

TEST_CASE("cache: a blob resumes from .incomplete and is published only when it matches") {
  kernels::testing::ScratchDir dir;
  const CacheRepo repo{dir.path(), "org/relu", kernels::RepoType::kernel};
  const std::string content = "hello world, this is a blob";
  const CacheFile file{"build/torch-cpu/x", *kernels::sha256_hex(content), content.size()};
  {
    auto writer = kernels::BlobWriter::open(repo, file);
    REQUIRE(writer);
    REQUIRE(writer->append(bytes_of(content.substr(0, 10))));
    // Killed here: the .incomplete file stays.
  }
  CHECK(std::filesystem::file_size(repo.incomplete_path(file.etag)) == 10);
  CHECK_FALSE(std::filesystem::exists(repo.blob_path(file.etag)));
  auto writer = kernels::BlobWriter::open(repo, file);
  REQUIRE(writer);
  CHECK(writer->resume_offset() == 10);
  REQUIRE(writer->append(bytes_of(content.substr(10))));
  REQUIRE(writer->publish());
  CHECK(std::filesystem::exists(repo.blob_path(file.etag)));
  CHECK_FALSE(std::filesystem::exists(repo.incomplete_path(file.etag)));
}

TEST_CASE("cache: wrong bytes are never published and the partial file is dropped") {
  kernels::testing::ScratchDir dir;
  const CacheRepo repo{dir.path(), "org/relu", kernels::RepoType::kernel};
  const std::string content = "import torch\n";
  const CacheFile file{"build/torch-cpu/x.py", *kernels::git_blob_id(content), content.size()};
  auto writer = kernels::BlobWriter::open(repo, file);
  REQUIRE(writer);
  REQUIRE(writer->append(bytes_of("import torcH\n")));
  auto published = writer->publish();
  REQUIRE_FALSE(published);
  CHECK(published.error().code == kernels::ErrorCode::integrity);
  CHECK(published.error().message.find(file.etag) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(repo.blob_path(file.etag)));
  CHECK_FALSE(std::filesystem::exists(repo.incomplete_path(file.etag)));

  auto again = kernels::BlobWriter::open(repo, file);
  REQUIRE(again);
  auto too_long = again->append(bytes_of(content + "x"));
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().code == kernels::ErrorCode::integrity);
}

TEST_CASE("cache: folders are made below the cache, never through a link planted in it") {
  kernels::testing::ScratchDir dir;
  const auto cache = dir.path() / "cache";
  const auto outside = dir.path() / "outside";
  std::filesystem::create_directories(outside);
  REQUIRE(kernels::create_cache_folders(cache, cache / "kernels--org--x" / "blobs"));
  CHECK(std::filesystem::is_directory(cache / "kernels--org--x" / "blobs"));
  CHECK(kernels::create_cache_folders(cache, cache / "kernels--org--x" / "blobs"));  // again

  std::filesystem::create_directory_symlink(outside, cache / "kernels--org--y");
  auto refused = kernels::create_cache_folders(cache, cache / "kernels--org--y" / "blobs");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == kernels::ErrorCode::integrity);
  CHECK(refused.error().location == (cache / "kernels--org--y").string());
  CHECK(refused.error().message.find(outside.string()) != std::string::npos);
  CHECK(std::filesystem::is_empty(outside));

  std::ofstream(cache / "kernels--org--z") << "a file";
  CHECK_FALSE(kernels::create_cache_folders(cache, cache / "kernels--org--z" / "blobs"));
  CHECK_FALSE(kernels::create_cache_folders(cache, dir.path() / "elsewhere"));

  // The cache folder itself may be a link (a cache moved to another disk).
  std::filesystem::create_directory_symlink(cache, dir.path() / "linked-cache");
  CHECK(kernels::create_cache_folders(dir.path() / "linked-cache",
                                      dir.path() / "linked-cache" / "kernels--org--w" / "blobs"));
}

TEST_CASE("cache: an .incomplete file planted as a link is not written through") {
  kernels::testing::ScratchDir dir;
  const CacheRepo repo{dir.path() / "cache", "org/relu", kernels::RepoType::kernel};
  const std::string content = "import torch\n";
  const CacheFile file{"build/torch-cpu/x.py", *kernels::git_blob_id(content), content.size()};
  const auto victim = dir.path() / "victim";
  std::ofstream(victim) << "precious, and longer than the blob";
  std::filesystem::create_directories(repo.blobs_dir());
  std::filesystem::create_symlink(victim, repo.incomplete_path(file.etag));
  auto writer = kernels::BlobWriter::open(repo, file);
  REQUIRE_FALSE(writer);
  CHECK(writer.error().code == kernels::ErrorCode::integrity);
  CHECK(writer.error().location == repo.incomplete_path(file.etag).string());
  CHECK(std::filesystem::file_size(victim) == 34);
}

TEST_CASE("cache: the blob lock excludes a second holder until released") {
  kernels::testing::ScratchDir dir;
  const auto lock_file = dir.path() / ".locks" / "kernels--o--n" / "e.lock";
  auto first = kernels::CacheFileLock::try_acquire(lock_file);
  REQUIRE(first);
  REQUIRE(first->has_value());
  // flock() locks belong to the open file description: a second open in this process conflicts.
  auto second = kernels::CacheFileLock::try_acquire(lock_file);
  REQUIRE(second);
  CHECK_FALSE(second->has_value());
  first->reset();
  auto third = kernels::CacheFileLock::try_acquire(lock_file);
  REQUIRE(third);
  CHECK(third->has_value());
}

TEST_CASE("cache: verify a variant from disk, against the lock hash and a listing") {
  kernels::testing::ScratchDir dir;
  const CacheRepo repo{dir.path(), "org/relu", kernels::RepoType::kernel};
  // The worked example of kernels-spec.md 6.1.
  const auto ops = put(repo, kCommit, "build/torch-cpu/_ops.py", "import torch\n");
  const auto so = put(repo, kCommit, "build/torch-cpu/_relu_cuda_abc1234.abi3.so",
                      "\x7f"
                      "ELF-fake-binary",
                      true);
  const auto init =
      put(repo, kCommit, "build/torch-cpu/relu/__init__.py", "from ._ops import ops\n");
  const std::string lock_hash =
      "sha256-ed07884c2339b24a68438ac7d6d4914af8ab817cfec15d505795e163d963e54e";
  // Bytecode Python writes beside the files is ignored.
  std::filesystem::create_directories(repo.variant_dir(kCommit, kVariant) / "relu/__pycache__");
  std::ofstream(repo.variant_dir(kCommit, kVariant) / "relu/__pycache__/x.pyc") << "bytecode";

  kernels::VariantVerifyRequest request{kCommit, kVariant, lock_hash, std::nullopt, {}};
  auto marker = kernels::verify_cached_variant(repo, request);
  REQUIRE(marker);
  CHECK(marker->files.size() == 3);
  REQUIRE(kernels::write_verified_marker(repo, *marker));
  auto read = kernels::read_verified_marker(repo, kCommit, kVariant);
  REQUIRE(read);
  CHECK(*read == *marker);
  CHECK(kernels::marker_still_holds(repo, *read, lock_hash));
  CHECK_FALSE(kernels::marker_still_holds(repo, *read, "sha256-" + std::string(64, '0')));

  request.expected = std::vector<CacheFile>{ops, so, init};
  CHECK(kernels::verify_cached_variant(repo, request));
  request.expected->pop_back();
  auto extra = kernels::verify_cached_variant(repo, request);
  REQUIRE_FALSE(extra);
  CHECK(extra.error().code == kernels::ErrorCode::integrity);

  SUBCASE("a tampered blob fails the stat check and the full check") {
    overwrite(repo.blob_path(ops.etag), "import torcH\n");
    CHECK_FALSE(kernels::marker_still_holds(repo, *read, lock_hash));
    request.expected.reset();
    auto result = kernels::verify_cached_variant(repo, request);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == kernels::ErrorCode::integrity);
    CHECK(result.error().message.find("build/torch-cpu/_ops.py") != std::string::npos);
    CHECK(result.error().message.find(ops.etag) != std::string::npos);
    auto report = kernels::verify_cache_blobs(dir.path());
    REQUIRE(report);
    CHECK(report->blobs_checked == 3);
    CHECK(report->problems.size() == 1);
  }
  SUBCASE("a missing file changes the variant hash") {
    std::filesystem::remove(repo.snapshot_path(kCommit, init.path));
    CHECK_FALSE(kernels::marker_still_holds(repo, *read, lock_hash));
    request.expected.reset();
    auto result = kernels::verify_cached_variant(repo, request);
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find(lock_hash) != std::string::npos);
  }
  SUBCASE("a file planted in the variant folder makes the marker stale") {
    std::ofstream(repo.variant_dir(kCommit, kVariant) / "relu" / "planted.so") << "x";
    CHECK_FALSE(kernels::marker_still_holds(repo, *read, lock_hash));
  }
  SUBCASE("a link replaced by a copy of its blob makes the marker stale") {
    const auto link = repo.snapshot_path(kCommit, ops.path);
    std::filesystem::remove(link);
    std::ofstream(link, std::ios::binary) << "import torch\n";
    CHECK_FALSE(kernels::marker_still_holds(repo, *read, lock_hash));
  }
  SUBCASE("an absolute link to the right blob still holds (huggingface_hub may write one)") {
    const auto link = repo.snapshot_path(kCommit, ops.path);
    std::filesystem::remove(link);
    std::filesystem::create_symlink(repo.blob_path(ops.etag), link);
    CHECK(kernels::marker_still_holds(repo, *read, lock_hash));
  }
  SUBCASE("a link to another blob makes the marker stale") {
    const auto link = repo.snapshot_path(kCommit, ops.path);
    std::filesystem::remove(link);
    std::filesystem::create_symlink(kernels::snapshot_link_target(ops.path, init.etag), link);
    CHECK_FALSE(kernels::marker_still_holds(repo, *read, lock_hash));
  }
  SUBCASE("a variant folder that is itself a link is not trusted") {
    const auto folder = repo.variant_dir(kCommit, kVariant);
    const auto moved = dir.path() / "elsewhere";
    std::filesystem::rename(folder, moved);
    std::filesystem::create_directory_symlink(moved, folder);
    CHECK_FALSE(kernels::marker_still_holds(repo, *read, lock_hash));
  }
  SUBCASE("a missing variant is not_found") {
    request.variant = "torch-other";
    auto result = kernels::verify_cached_variant(repo, request);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == kernels::ErrorCode::not_found);
  }
}
