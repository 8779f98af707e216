#pragma once

// Streaming message digests (SHA-1, SHA-256, SHA-512) and git blob ids.
//
// Implemented with OpenSSL 3's EVP interface; no OpenSSL type appears here. A hasher is fed with
// update() as data arrives (a download streams through it) and yields the raw digest once with
// finish(). A failure inside OpenSSL is remembered and reported by finish(), so that a streaming
// loop does not have to check every update.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"

namespace kernels {

enum class HashAlgorithm { sha1, sha256, sha512 };

// "sha1", "sha256", "sha512" (the names metadata.json uses for its digest algorithm).
[[nodiscard]] std::string_view to_string(HashAlgorithm algorithm);

// Length of the raw digest in bytes: 20, 32 or 64.
[[nodiscard]] std::size_t digest_size(HashAlgorithm algorithm);

// A raw digest (not hex). Encode it with hex_encode or base64_encode (kernels/util/encoding.hpp).
using Digest = std::vector<std::uint8_t>;

class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&& other) noexcept;
  Hasher& operator=(Hasher&& other) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  [[nodiscard]] HashAlgorithm algorithm() const { return algorithm_; }

  void update(std::span<const std::uint8_t> bytes);
  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes);

  // The digest of everything passed to update(). Call it once: afterwards, and after a move, the
  // hasher only reports an error. Fails (ErrorCode::failure) when OpenSSL failed at any step.
  [[nodiscard]] Result<Digest> finish();
  [[nodiscard]] Result<std::string> finish_hex();

 private:
  struct State;
  struct StateDeleter {
    void operator()(State* state) const noexcept;
  };
  HashAlgorithm algorithm_;
  std::unique_ptr<State, StateDeleter> state_;
};

class Sha1 : public Hasher {
 public:
  Sha1() : Hasher(HashAlgorithm::sha1) {}
};

class Sha256 : public Hasher {
 public:
  Sha256() : Hasher(HashAlgorithm::sha256) {}
};

class Sha512 : public Hasher {
 public:
  Sha512() : Hasher(HashAlgorithm::sha512) {}
};

// One-shot digests of bytes already in memory.
[[nodiscard]] Result<Digest> hash_bytes(HashAlgorithm algorithm, std::string_view data);
[[nodiscard]] Result<std::string> hash_hex(HashAlgorithm algorithm, std::string_view data);
[[nodiscard]] Result<std::string> sha256_hex(std::string_view data);
[[nodiscard]] Result<std::string> sha1_hex(std::string_view data);

// Digest of a file's content, read in 1 MiB chunks (constant memory whatever the file size).
// Fails with ErrorCode::io naming the path and the OS error.
[[nodiscard]] Result<Digest> hash_file(const std::filesystem::path& path, HashAlgorithm algorithm);

// Git blob id (the object id git and the Hub give a regular file): the SHA-1 of
// "blob " + decimal content length + "\0" + content.
//
// The header carries the length, so it is announced up front; finish() fails with
// ErrorCode::integrity when the streamed content has a different length (a short or long download).
class GitBlobHasher {
 public:
  explicit GitBlobHasher(std::uint64_t size);

  void update(std::span<const std::uint8_t> bytes);
  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes);

  [[nodiscard]] std::uint64_t expected_size() const { return expected_size_; }
  [[nodiscard]] std::uint64_t bytes_seen() const { return bytes_seen_; }

  // The raw 20-byte id, or its 40-character lowercase hex form.
  [[nodiscard]] Result<Digest> finish();
  [[nodiscard]] Result<std::string> finish_hex();

 private:
  Sha1 sha1_;
  std::uint64_t expected_size_;
  std::uint64_t bytes_seen_ = 0;
};

// Git blob id of content in memory, as 40 lowercase hex characters.
[[nodiscard]] Result<std::string> git_blob_id(std::string_view content);

// Git blob id of a file's content, streamed like hash_file. A file that changes size while it is
// read fails with ErrorCode::integrity.
[[nodiscard]] Result<std::string> git_blob_id_of_file(const std::filesystem::path& path);

}  // namespace kernels
