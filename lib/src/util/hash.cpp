#include "kernels/util/hash.hpp"

#include <array>
#include <cerrno>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/util/encoding.hpp"

#include "util/os_error.hpp"

namespace kernels {
namespace {

// Large enough that a multi-gigabyte kernel binary costs few system calls, small enough to keep
// memory flat when many files are hashed in parallel.
constexpr std::size_t kFileChunkSize = std::size_t{1} << 20;

const char* openssl_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha1:
      return "SHA1";
    case HashAlgorithm::sha256:
      return "SHA256";
    case HashAlgorithm::sha512:
      return "SHA512";
  }
  return "SHA256";
}

std::string display_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha1:
      return "SHA-1";
    case HashAlgorithm::sha256:
      return "SHA-256";
    case HashAlgorithm::sha512:
      return "SHA-512";
  }
  return "SHA-256";
}

// Empties this thread's OpenSSL error queue into one line, so that a later, unrelated failure
// does not report this one's reasons.
std::string drain_openssl_errors() {
  std::string text;
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? std::string("OpenSSL gave no reason") : text;
}

Error openssl_failure(HashAlgorithm algorithm, std::string_view step) {
  return Error{ErrorCode::failure,
               display_name(algorithm) + " digest failed in OpenSSL (" + std::string(step) +
                   "): " + drain_openssl_errors(),
               {}};
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&&) = delete;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

Result<FileDescriptor> open_for_reading(const std::filesystem::path& path) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return detail::io_failure("cannot open file for reading", path, errno);
  return FileDescriptor(fd);
}

template <class OnChunk>
Result<void> read_chunks(const FileDescriptor& file, const std::filesystem::path& path,
                         OnChunk&& on_chunk) {
  std::vector<std::uint8_t> buffer(kFileChunkSize);
  while (true) {
    const ssize_t count = ::read(file.get(), buffer.data(), buffer.size());
    if (count < 0) {
      if (errno == EINTR) continue;
      return detail::io_failure("cannot read file", path, errno);
    }
    if (count == 0) return {};
    on_chunk(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(count)));
  }
}

}  // namespace

std::string_view to_string(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha1:
      return "sha1";
    case HashAlgorithm::sha256:
      return "sha256";
    case HashAlgorithm::sha512:
      return "sha512";
  }
  return "sha256";
}

std::size_t digest_size(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha1:
      return 20;
    case HashAlgorithm::sha256:
      return 32;
    case HashAlgorithm::sha512:
      return 64;
  }
  return 32;
}

struct Hasher::State {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* context = nullptr;
  std::optional<Error> error;  // the first failure; reported by finish()
  bool finished = false;
};

void Hasher::StateDeleter::operator()(State* state) const noexcept {
  EVP_MD_CTX_free(state->context);
  EVP_MD_free(state->md);
  delete state;
}

Hasher::Hasher(HashAlgorithm algorithm) : algorithm_(algorithm), state_(new State{}) {
  // An explicit fetch resolves the implementation once per hasher instead of on every init.
  state_->md = EVP_MD_fetch(nullptr, openssl_name(algorithm), nullptr);
  if (state_->md == nullptr) {
    state_->error = openssl_failure(algorithm, "EVP_MD_fetch");
    return;
  }
  state_->context = EVP_MD_CTX_new();
  if (state_->context == nullptr) {
    state_->error = openssl_failure(algorithm, "EVP_MD_CTX_new");
    return;
  }
  if (EVP_DigestInit_ex2(state_->context, state_->md, nullptr) != 1) {
    state_->error = openssl_failure(algorithm, "EVP_DigestInit_ex2");
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&& other) noexcept = default;
Hasher& Hasher::operator=(Hasher&& other) noexcept = default;

void Hasher::update(std::span<const std::uint8_t> bytes) {
  if (!state_ || state_->error || bytes.empty()) return;
  if (state_->finished) {
    state_->error = Error{ErrorCode::failure, "hasher updated after finish()", {}};
    return;
  }
  if (EVP_DigestUpdate(state_->context, bytes.data(), bytes.size()) != 1) {
    state_->error = openssl_failure(algorithm_, "EVP_DigestUpdate");
  }
}

void Hasher::update(std::span<const std::byte> bytes) {
  update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                       bytes.size()));
}

void Hasher::update(std::string_view bytes) {
  update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                       bytes.size()));
}

Result<Digest> Hasher::finish() {
  if (!state_) return fail(ErrorCode::failure, "hasher used after it was moved from");
  if (state_->error) return tl::unexpected<Error>(*state_->error);
  if (state_->finished) return fail(ErrorCode::failure, "hasher finish() called twice");
  state_->finished = true;
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> buffer{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(state_->context, buffer.data(), &length) != 1) {
    state_->error = openssl_failure(algorithm_, "EVP_DigestFinal_ex");
    return tl::unexpected<Error>(*state_->error);
  }
  return Digest(buffer.begin(), buffer.begin() + length);
}

Result<std::string> Hasher::finish_hex() {
  return finish().map([](const Digest& digest) { return hex_encode(digest); });
}

Result<Digest> hash_bytes(HashAlgorithm algorithm, std::string_view data) {
  Hasher hasher(algorithm);
  hasher.update(data);
  return hasher.finish();
}

Result<std::string> hash_hex(HashAlgorithm algorithm, std::string_view data) {
  Hasher hasher(algorithm);
  hasher.update(data);
  return hasher.finish_hex();
}

Result<std::string> sha256_hex(std::string_view data) {
  return hash_hex(HashAlgorithm::sha256, data);
}

Result<std::string> sha1_hex(std::string_view data) {
  return hash_hex(HashAlgorithm::sha1, data);
}

Result<Digest> hash_file(const std::filesystem::path& path, HashAlgorithm algorithm) {
  auto file = open_for_reading(path);
  if (!file) return tl::unexpected<Error>(std::move(file.error()));
  Hasher hasher(algorithm);
  auto read =
      read_chunks(*file, path, [&](std::span<const std::uint8_t> chunk) { hasher.update(chunk); });
  if (!read) return tl::unexpected<Error>(std::move(read.error()));
  return hasher.finish();
}

GitBlobHasher::GitBlobHasher(std::uint64_t size) : expected_size_(size) {
  sha1_.update("blob " + std::to_string(size));
  sha1_.update(std::string_view("\0", 1));
}

void GitBlobHasher::update(std::span<const std::uint8_t> bytes) {
  bytes_seen_ += bytes.size();
  sha1_.update(bytes);
}

void GitBlobHasher::update(std::span<const std::byte> bytes) {
  bytes_seen_ += bytes.size();
  sha1_.update(bytes);
}

void GitBlobHasher::update(std::string_view bytes) {
  bytes_seen_ += bytes.size();
  sha1_.update(bytes);
}

Result<Digest> GitBlobHasher::finish() {
  if (bytes_seen_ != expected_size_) {
    return fail(ErrorCode::integrity, "content is " + std::to_string(bytes_seen_) +
                                          " bytes long but its git blob id was started for " +
                                          std::to_string(expected_size_) +
                                          " bytes (truncated or changed while being read?)");
  }
  return sha1_.finish();
}

Result<std::string> GitBlobHasher::finish_hex() {
  return finish().map([](const Digest& digest) { return hex_encode(digest); });
}

Result<std::string> git_blob_id(std::string_view content) {
  GitBlobHasher hasher(content.size());
  hasher.update(content);
  return hasher.finish_hex();
}

Result<std::string> git_blob_id_of_file(const std::filesystem::path& path) {
  auto file = open_for_reading(path);
  if (!file) return tl::unexpected<Error>(std::move(file.error()));
  struct stat info {};
  if (::fstat(file->get(), &info) != 0) return detail::io_failure("cannot stat file", path, errno);
  if (!S_ISREG(info.st_mode)) {
    return fail(ErrorCode::io, "not a regular file; a git blob id needs a file's size up front",
                path.string());
  }
  GitBlobHasher hasher(static_cast<std::uint64_t>(info.st_size));
  auto read =
      read_chunks(*file, path, [&](std::span<const std::uint8_t> chunk) { hasher.update(chunk); });
  if (!read) return tl::unexpected<Error>(std::move(read.error()));
  auto id = hasher.finish_hex();
  if (!id) id.error().location = path.string();
  return id;
}

}  // namespace kernels
