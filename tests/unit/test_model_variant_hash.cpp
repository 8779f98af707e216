#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/model/variant_hash.hpp"
#include "kernels/util/encoding.hpp"
#include "kernels/util/hash.hpp"

using kernels::ErrorCode;
using kernels::RepoTreeFile;
using kernels::VariantFileDigest;

namespace {

std::string value_or_error(const kernels::Result<std::string>& result) {
  return result ? *result : "error: " + result.error().message;
}

std::string blob_id(std::string_view content) {
  return value_or_error(kernels::git_blob_id(content));
}
std::string sha256(std::string_view content) {
  return value_or_error(kernels::sha256_hex(content));
}

// The hash computed the long way, for files already in the order the algorithm must use.
std::string hash_in_given_order(const std::vector<VariantFileDigest>& files) {
  kernels::Sha256 hasher;
  for (const auto& file : files) {
    hasher.update(file.path);
    hasher.update(*kernels::hex_decode(file.digest_hex));
  }
  return "sha256-" + value_or_error(hasher.finish_hex());
}

// The LFS pointer git stores in place of an LFS file (git-lfs spec v1); its blob id is the oid
// the Hub's tree listing shows for the file.
std::string lfs_pointer(std::string_view sha256_hex, std::size_t size) {
  return "version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(sha256_hex) +
         "\nsize " + std::to_string(size) + "\n";
}

}  // namespace

TEST_CASE("variant hash: the worked example of spec section 6.1") {
  const std::string ops_py = "import torch\n";
  const std::string binary =
      "\x7f"
      "ELF-fake-binary";
  const std::string init_py = "from ._ops import ops\n";
  CHECK(blob_id(ops_py) == "aaa328524fcb5dc345868d46422ba321f2ad9439");
  CHECK(sha256(binary) == "c36db55579ed34818d39e49d1b76f50af3668745d1c76441e1a41faddcfb9c17");
  CHECK(blob_id(init_py) == "1cec5723464b586acbda5ab039a6248d38255033");

  // Deliberately not in sorted order.
  const std::vector<VariantFileDigest> files = {
      {"relu/__init__.py", blob_id(init_py)},
      {"_relu_cuda_abc1234.abi3.so", sha256(binary)},
      {"_ops.py", blob_id(ops_py)},
  };
  const std::string expected =
      "sha256-ed07884c2339b24a68438ac7d6d4914af8ab817cfec15d505795e163d963e54e";
  CHECK(value_or_error(kernels::git_lfs_concat(files)) == expected);
  CHECK(hash_in_given_order({files[2], files[1], files[0]}) == expected);
}

TEST_CASE("variant hash: a Hub tree listing with an LFS file (hub-api section 2)") {
  const std::string variant = "torch28-cxx11-cu128-x86_64-linux";
  const std::string prefix = "build/" + variant + "/";
  const std::string metadata = "{\n  \"version\": 1,\n  \"python-depends\": []\n}\n";
  const std::string init_py = "from ._ops import ops\n";
  const std::string so = std::string(
                             "\x7f"
                             "ELF") +
                         std::string(1020, '\0');
  const std::string so_sha256 = sha256(so);
  const std::string pointer = lfs_pointer(so_sha256, so.size());
  CHECK(pointer.size() == 129);
  CHECK(blob_id(metadata) == "a85f0ba2729185d96e02bf4c89c39748e4e94b4c");
  CHECK(so_sha256 == "469cbca28cea28014adae80244e707fac8511307b6e10fb57eeeeaba552baea8");
  CHECK(blob_id(pointer) == "d9e8e41374d0b7c111e64619345f6353f3f75ad0");

  const std::vector<RepoTreeFile> tree = {
      {".gitattributes", blob_id("*.so filter=lfs\n"), std::nullopt},
      {"README.md", std::nullopt, std::nullopt},  // outside build/: a missing id does not matter
      {prefix + "metadata.json", blob_id(metadata), std::nullopt},
      {prefix + "relu/__init__.py", blob_id(init_py), std::nullopt},
      {prefix + "relu/__pycache__/__init__.cpython-312.pyc", std::nullopt, std::nullopt},
      {prefix + "relu/_relu_abc.abi3.so", blob_id(pointer), so_sha256},
  };
  const auto hashes = kernels::variant_hashes_from_tree(tree);
  REQUIRE(hashes.has_value());
  REQUIRE(hashes->size() == 1);
  CHECK((*hashes)[0].variant == variant);
  CHECK((*hashes)[0].hash ==
        "sha256-34bccedba57f231b05a3e490db51937fe84ed0511a5d7b8e345baa74e42ca7de");
}

TEST_CASE("variant hash: files sort by path bytes") {
  const std::string d1(40, '1');
  const std::string d2(64, '2');
  const std::string d3(40, '3');
  const std::string d4(64, '4');
  const std::string d5(40, '5');
  const std::string d6(40, '6');
  // '.' (0x2E) < '/' (0x2F) < 'B' (0x42) < '_' (0x5F) < 'z' < UTF-8 lead byte 0xC3.
  const std::vector<VariantFileDigest> sorted = {
      {"a.b", d1}, {"a/b", d2}, {"aB", d3}, {"a_b", d4}, {"z", d5}, {"\xc3\xa9t\xc3\xa9", d6},
  };
  std::vector<VariantFileDigest> reversed(sorted.rbegin(), sorted.rend());
  CHECK(value_or_error(kernels::git_lfs_concat(reversed)) == hash_in_given_order(sorted));
  CHECK(value_or_error(kernels::git_lfs_concat(reversed)) != hash_in_given_order(reversed));
}

TEST_CASE("variant hash: digests of either case give the same hash") {
  const std::vector<VariantFileDigest> lower = {
      {"x.py", "aaa328524fcb5dc345868d46422ba321f2ad9439"}};
  const std::vector<VariantFileDigest> upper = {
      {"x.py", "AAA328524FCB5DC345868D46422BA321F2AD9439"}};
  const auto hash = kernels::git_lfs_concat(lower);
  REQUIRE(hash.has_value());
  CHECK(value_or_error(kernels::git_lfs_concat(upper)) == *hash);
  CHECK(hash->starts_with("sha256-"));
  CHECK(kernels::is_lowercase_hex(hash->substr(7)));
  CHECK(hash->size() == 7 + 64);
}

TEST_CASE("variant hash: no files hash to the SHA-256 of nothing") {
  CHECK(value_or_error(kernels::git_lfs_concat(std::vector<VariantFileDigest>{})) ==
        "sha256-e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("variant hash: digests that are not 40 or 64 hex digits are rejected") {
  for (const std::string& bad :
       {std::string(), std::string(39, 'a'), std::string(41, 'a'), std::string(63, 'a'),
        std::string(65, 'a'), std::string(128, 'a'), std::string(40, 'g'),
        std::string(63, 'a') + " ", "sha256:" + std::string(64, 'a')}) {
    CAPTURE(bad);
    const std::vector<VariantFileDigest> files = {{"ok.py", std::string(40, 'b')}, {"bad.py", bad}};
    const auto result = kernels::git_lfs_concat(files);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().code == ErrorCode::invalid_input);
    CHECK(result.error().message.find("bad.py") != std::string::npos);
  }
}

TEST_CASE("variant hash: duplicate paths are rejected") {
  const std::vector<VariantFileDigest> files = {{"a.py", std::string(40, 'a')},
                                                {"b.py", std::string(40, 'b')},
                                                {"a.py", std::string(64, 'c')}};
  const auto result = kernels::git_lfs_concat(files);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_input);
  CHECK(result.error().message.find("'a.py'") != std::string::npos);
}

TEST_CASE("variant hash: tree filtering, grouping and first-seen variant order") {
  const std::string id_a = blob_id("a\n");
  const std::string id_b = blob_id("b\n");
  const std::string id_c = blob_id("c\n");
  const std::string lfs = sha256("big");
  const std::vector<RepoTreeFile> tree = {
      {"build/torch29-cxx11-cu130-x86_64-linux/pkg/__init__.py", id_a, std::nullopt},
      {"build/torch-cpu/pkg/__init__.py", id_a, std::nullopt},
      {"build/torch29-cxx11-cu130-x86_64-linux/pkg/_ops.so", id_b, lfs},
      {"build/torch29-cxx11-cu130-x86_64-linux/pkg/x.cpython-312.pyc", id_c, std::nullopt},
      {"build/torch29-cxx11-cu130-x86_64-linux/__pycache__/y.py", id_c, std::nullopt},
      {"build/tvm-ffi01-cpu-x86_64-linux/pkg/__init__.py", id_a, std::nullopt},
      {"build/README.md", id_c, std::nullopt},
      {"torch-cpu/pkg/__init__.py", id_c, std::nullopt},
      {"build/torch-cpu//pkg/./_ops.py", id_b, std::nullopt},  // PurePosixPath drops "" and "."
      {"build/torch-cpu/pkg/pyc.txt", id_c, std::nullopt},     // not bytecode: ".pyc" is a suffix
  };
  const auto hashes = kernels::variant_hashes_from_tree(tree);
  REQUIRE(hashes.has_value());
  REQUIRE(hashes->size() == 2);
  CHECK((*hashes)[0].variant == "torch29-cxx11-cu130-x86_64-linux");
  CHECK((*hashes)[1].variant == "torch-cpu");

  const std::vector<VariantFileDigest> cuda = {{"pkg/__init__.py", id_a}, {"pkg/_ops.so", lfs}};
  const std::vector<VariantFileDigest> cpu = {
      {"pkg/__init__.py", id_a}, {"pkg/_ops.py", id_b}, {"pkg/pyc.txt", id_c}};
  CHECK((*hashes)[0].hash == value_or_error(kernels::git_lfs_concat(cuda)));
  CHECK((*hashes)[1].hash == value_or_error(kernels::git_lfs_concat(cpu)));
}

TEST_CASE("variant hash: a file named like a variant folder hashes as '.' (as Python's Path)") {
  const std::string id = blob_id("odd");
  const std::vector<RepoTreeFile> tree = {{"build/torch-odd", id, std::nullopt}};
  const auto hashes = kernels::variant_hashes_from_tree(tree);
  REQUIRE(hashes.has_value());
  REQUIRE(hashes->size() == 1);
  CHECK((*hashes)[0].variant == "torch-odd");
  CHECK((*hashes)[0].hash == hash_in_given_order({{".", id}}));
}

TEST_CASE("variant hash: a kept file without a blob id is an error") {
  const std::vector<RepoTreeFile> tree = {
      {"build/torch-cpu/a.py", blob_id("a"), std::nullopt},
      {"build/torch-cpu/b.so", std::nullopt, sha256("b")},
  };
  const auto result = kernels::variant_hashes_from_tree(tree);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_input);
  CHECK(result.error().message == "Cannot get blob ID for build/torch-cpu/b.so");

  const std::vector<RepoTreeFile> bad_digest = {{"build/torch-cpu/a.py", "abc", std::nullopt}};
  const auto invalid = kernels::variant_hashes_from_tree(bad_digest);
  REQUIRE_FALSE(invalid.has_value());
  CHECK(invalid.error().location == "build/torch-cpu");
}

TEST_CASE("variant hash: property: order-independent, and every byte of the input matters") {
  std::mt19937 random(20240611);  // fixed seed: the same cases on every run and platform
  const auto below = [&random](std::uint32_t bound) {
    return static_cast<std::size_t>(random() % bound);
  };
  const std::string alphabet = std::string("ab_./-Z09") + "\xc3\xa9";

  for (int iteration = 0; iteration < 300; ++iteration) {
    CAPTURE(iteration);
    std::vector<VariantFileDigest> files;
    const std::size_t count = 1 + below(4);
    while (files.size() < count) {
      std::string path;
      for (std::size_t length = 1 + below(8); path.size() < length;) {
        path += alphabet[below(static_cast<std::uint32_t>(alphabet.size()))];
      }
      const bool taken = std::any_of(files.begin(), files.end(),
                                     [&](const VariantFileDigest& f) { return f.path == path; });
      if (taken) continue;
      std::vector<std::uint8_t> digest(below(2) == 0 ? 20 : 32);
      for (auto& byte : digest)
        byte = static_cast<std::uint8_t>(random());
      files.push_back({path, kernels::hex_encode(digest)});
    }
    const auto original = kernels::git_lfs_concat(files);
    REQUIRE(original.has_value());

    auto shuffled = files;
    std::shuffle(shuffled.begin(), shuffled.end(), random);
    CHECK(value_or_error(kernels::git_lfs_concat(shuffled)) == *original);

    for (std::size_t f = 0; f < files.size(); ++f) {
      for (std::size_t i = 0; i < files[f].path.size(); ++i) {
        auto changed = files;
        const auto flipped =
            static_cast<unsigned char>(changed[f].path[i]) ^ static_cast<unsigned>(1 + below(255));
        changed[f].path[i] = static_cast<char>(flipped);
        const auto hash = kernels::git_lfs_concat(changed);
        // A change that makes two paths equal is refused, which is also not the same hash.
        if (hash) CHECK(*hash != *original);
      }
      const auto digest = *kernels::hex_decode(files[f].digest_hex);
      for (std::size_t i = 0; i < digest.size(); ++i) {
        auto changed_digest = digest;
        changed_digest[i] =
            static_cast<std::uint8_t>(changed_digest[i] ^ static_cast<unsigned>(1 + below(255)));
        auto changed = files;
        changed[f].digest_hex = kernels::hex_encode(changed_digest);
        CHECK(value_or_error(kernels::git_lfs_concat(changed)) != *original);
      }
    }
  }
}
