#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/util/encoding.hpp"
#include "kernels/util/hash.hpp"

#include "scratch_dir.hpp"

using kernels::ErrorCode;
using kernels::HashAlgorithm;

namespace {

constexpr std::string_view kAbc = "abc";
constexpr std::string_view k448Bits = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

struct NistVector {
  HashAlgorithm algorithm;
  std::string_view empty;
  std::string_view abc;
  std::string_view bits448;
  std::string_view million_a;
};

// FIPS 180 example values (NIST CSRC "Examples with intermediate values").
const NistVector kNistVectors[] = {
    {HashAlgorithm::sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709",
     "a9993e364706816aba3e25717850c26c9cd0d89d", "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
     "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
    {HashAlgorithm::sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    {HashAlgorithm::sha512,
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877ee"
     "c2f"
     "63b931bd47417a81a538327af927da3e",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "bbd"
     "454d4423643ce80e2a9ac94fa54ca49f",
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789"
     "ca0"
     "31ad85c7a71dd70354ec631238ca3445",
     "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c"
     "31b"
     "eb009c5c2c49aa2e4eadb217ad8cc09b"},
};

std::string hex_or_error(const kernels::Result<std::string>& result) {
  return result ? *result : "error: " + result.error().message;
}

std::string hex_or_error(const kernels::Result<kernels::Digest>& result) {
  return result ? kernels::hex_encode(*result) : "error: " + result.error().message;
}

// Deterministic content with every byte value, so file tests are not only ASCII.
std::string patterned_content(std::size_t size) {
  std::string content(size, '\0');
  std::uint32_t state = 12345;
  for (char& c : content) {
    state = state * 1103515245U + 12345U;
    c = static_cast<char>(state >> 24);
  }
  return content;
}

}  // namespace

TEST_CASE("hash: NIST vectors for empty, abc and the 448-bit message") {
  for (const NistVector& vector : kNistVectors) {
    CAPTURE(kernels::to_string(vector.algorithm));
    CHECK(hex_or_error(kernels::hash_hex(vector.algorithm, "")) == vector.empty);
    CHECK(hex_or_error(kernels::hash_hex(vector.algorithm, kAbc)) == vector.abc);
    CHECK(hex_or_error(kernels::hash_hex(vector.algorithm, k448Bits)) == vector.bits448);
    const auto raw = kernels::hash_bytes(vector.algorithm, kAbc);
    REQUIRE(raw.has_value());
    CHECK(raw->size() == kernels::digest_size(vector.algorithm));
  }
  CHECK(hex_or_error(kernels::sha256_hex(kAbc)) == kNistVectors[1].abc);
  CHECK(hex_or_error(kernels::sha1_hex(kAbc)) == kNistVectors[0].abc);
}

TEST_CASE("hash: one million 'a' streamed in odd-sized chunks") {
  // Chunk sizes that straddle the 64- and 128-byte block boundaries in every way.
  const std::vector<std::size_t> chunk_sizes = {1, 7, 63, 64, 65, 127, 129, 1000, 4093, 3};
  const std::string block(5000, 'a');
  for (const NistVector& vector : kNistVectors) {
    CAPTURE(kernels::to_string(vector.algorithm));
    kernels::Hasher hasher(vector.algorithm);
    std::size_t remaining = 1'000'000;
    for (std::size_t i = 0; remaining > 0; ++i) {
      const std::size_t size = std::min(chunk_sizes[i % chunk_sizes.size()], remaining);
      hasher.update(std::string_view(block).substr(0, size));
      remaining -= size;
    }
    CHECK(hex_or_error(hasher.finish_hex()) == vector.million_a);
  }
}

TEST_CASE("hash: the named hashers use their algorithm") {
  kernels::Sha1 sha1;
  kernels::Sha256 sha256;
  kernels::Sha512 sha512;
  CHECK(sha1.algorithm() == HashAlgorithm::sha1);
  CHECK(sha256.algorithm() == HashAlgorithm::sha256);
  CHECK(sha512.algorithm() == HashAlgorithm::sha512);
  for (kernels::Hasher* hasher :
       {static_cast<kernels::Hasher*>(&sha1), static_cast<kernels::Hasher*>(&sha256),
        static_cast<kernels::Hasher*>(&sha512)}) {
    hasher->update(std::string_view("a"));
    hasher->update(std::vector<std::uint8_t>{'b'});
    const std::byte c{'c'};
    hasher->update(std::span<const std::byte>(&c, 1));
  }
  CHECK(hex_or_error(sha1.finish()) == kNistVectors[0].abc);
  CHECK(hex_or_error(sha256.finish()) == kNistVectors[1].abc);
  CHECK(hex_or_error(sha512.finish()) == kNistVectors[2].abc);
}

TEST_CASE("hash: a hasher is movable and reports misuse instead of a wrong digest") {
  kernels::Sha256 original;
  original.update(std::string_view("ab"));
  kernels::Sha256 moved = std::move(original);
  moved.update(std::string_view("c"));
  CHECK(hex_or_error(moved.finish()) == kNistVectors[1].abc);

  const auto from_moved = original.finish();  // NOLINT(bugprone-use-after-move): tested on purpose
  REQUIRE_FALSE(from_moved.has_value());
  CHECK(from_moved.error().message.find("moved") != std::string::npos);

  const auto twice = moved.finish();
  REQUIRE_FALSE(twice.has_value());
  CHECK(twice.error().code == ErrorCode::failure);

  kernels::Sha256 late;
  REQUIRE(late.finish().has_value());
  late.update(std::string_view("more"));
  CHECK_FALSE(late.finish().has_value());

  kernels::Sha256 assigned;
  assigned.update(std::string_view("garbage"));
  kernels::Sha256 fresh;
  fresh.update(kAbc);
  assigned = std::move(fresh);
  CHECK(hex_or_error(assigned.finish()) == kNistVectors[1].abc);
}

TEST_CASE("hash: git blob ids of the empty file and of hello") {
  CHECK(hex_or_error(kernels::git_blob_id("")) == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  CHECK(hex_or_error(kernels::git_blob_id("hello\n")) ==
        "ce013625030ba8dba906f756967f9e9ca394464a");
  // The header is "blob <len>\0": the same bytes hashed as plain SHA-1 give a different id.
  CHECK(hex_or_error(kernels::sha1_hex("hello\n")) != "ce013625030ba8dba906f756967f9e9ca394464a");
}

TEST_CASE("hash: streamed git blob id equals the one-shot id") {
  const std::string content = patterned_content(100'003);
  kernels::GitBlobHasher hasher(content.size());
  CHECK(hasher.expected_size() == content.size());
  for (std::size_t offset = 0; offset < content.size(); offset += 4099) {
    hasher.update(std::string_view(content).substr(offset, 4099));
  }
  CHECK(hasher.bytes_seen() == content.size());
  const auto streamed = hasher.finish_hex();
  REQUIRE(streamed.has_value());
  CHECK(*streamed == hex_or_error(kernels::git_blob_id(content)));
  CHECK(kernels::is_lowercase_hex(*streamed));
  CHECK(streamed->size() == 40);
}

TEST_CASE("hash: git blob hasher fails with an integrity error on a size mismatch") {
  kernels::GitBlobHasher short_content(6);
  short_content.update(std::string_view("hello"));
  const auto too_short = short_content.finish();
  REQUIRE_FALSE(too_short.has_value());
  CHECK(too_short.error().code == ErrorCode::integrity);
  CHECK(too_short.error().message.find("5 bytes") != std::string::npos);

  kernels::GitBlobHasher long_content(5);
  long_content.update(std::string_view("hello\n"));
  const auto too_long = long_content.finish_hex();
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().code == ErrorCode::integrity);
}

TEST_CASE("hash: hash_file streams files larger than its buffer") {
  const kernels::testing::ScratchDir dir;
  // Three full 1 MiB chunks plus an odd tail, and an empty file.
  const std::string content = patterned_content((std::size_t{3} << 20) + 17);
  const auto big = dir.write("big.bin", content);
  const auto empty = dir.write("empty.bin", "");
  for (const NistVector& vector : kNistVectors) {
    CAPTURE(kernels::to_string(vector.algorithm));
    CHECK(hex_or_error(kernels::hash_file(big, vector.algorithm)) ==
          hex_or_error(kernels::hash_hex(vector.algorithm, content)));
    CHECK(hex_or_error(kernels::hash_file(empty, vector.algorithm)) == vector.empty);
  }
  CHECK(hex_or_error(kernels::git_blob_id_of_file(big)) ==
        hex_or_error(kernels::git_blob_id(content)));
  CHECK(hex_or_error(kernels::git_blob_id_of_file(empty)) ==
        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST_CASE("hash: hash_file names the path and the OS error") {
  const kernels::testing::ScratchDir dir;
  const auto missing = dir.path() / "missing.bin";
  const auto result = kernels::hash_file(missing, HashAlgorithm::sha256);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::io);
  CHECK(result.error().describe().find(missing.string()) != std::string::npos);
  CHECK(result.error().message.find("No such file or directory") != std::string::npos);

  const auto directory = kernels::hash_file(dir.path(), HashAlgorithm::sha256);
  REQUIRE_FALSE(directory.has_value());
  CHECK(directory.error().code == ErrorCode::io);

  const auto blob_of_directory = kernels::git_blob_id_of_file(dir.path());
  REQUIRE_FALSE(blob_of_directory.has_value());
  CHECK(blob_of_directory.error().location == dir.path().string());
}

TEST_CASE("hash: algorithm names and digest sizes") {
  CHECK(kernels::to_string(HashAlgorithm::sha1) == "sha1");
  CHECK(kernels::to_string(HashAlgorithm::sha256) == "sha256");
  CHECK(kernels::to_string(HashAlgorithm::sha512) == "sha512");
  CHECK(kernels::digest_size(HashAlgorithm::sha1) == 20);
  CHECK(kernels::digest_size(HashAlgorithm::sha256) == 32);
  CHECK(kernels::digest_size(HashAlgorithm::sha512) == 64);
}

TEST_CASE("hash: metadata.json digests of hello world in base64") {
  const auto sha256 = kernels::hash_bytes(HashAlgorithm::sha256, "hello world");
  REQUIRE(sha256.has_value());
  CHECK(kernels::base64_encode(*sha256) == "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
  const auto sha512 = kernels::hash_bytes(HashAlgorithm::sha512, "hello world");
  REQUIRE(sha512.has_value());
  CHECK(kernels::base64_encode(*sha512) ==
        "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==");
  const auto decoded = kernels::base64_decode("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
  REQUIRE(decoded.has_value());
  CHECK(*decoded == *sha256);
}
