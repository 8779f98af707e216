#include "kernels/model/variant_hash.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>

#include "kernels/util/encoding.hpp"
#include "kernels/util/hash.hpp"

namespace kernels {
namespace {

constexpr std::string_view kVariantHashPrefix = "sha256-";
constexpr std::string_view kTorchBuildPrefix = "build/torch";
constexpr std::size_t kGitBlobIdHexLength = 40;
constexpr std::size_t kLfsSha256HexLength = 64;

struct DecodedFile {
  std::string_view path;
  std::vector<std::uint8_t> digest;
};

// Python compares the encoded paths as bytes; compare as unsigned so that UTF-8 sequences
// (bytes >= 0x80) sort after ASCII whatever the signedness of char.
bool path_bytes_less(std::string_view left, std::string_view right) {
  return std::lexicographical_compare(
      left.begin(), left.end(), right.begin(), right.end(),
      [](char a, char b) { return static_cast<unsigned char>(a) < static_cast<unsigned char>(b); });
}

std::string shorten_for_message(std::string_view text) {
  constexpr std::size_t kLimit = 80;
  if (text.size() <= kLimit) return std::string(text);
  return std::string(text.substr(0, kLimit)) + "...";
}

Result<std::vector<std::uint8_t>> decode_file_digest(const VariantFileDigest& file) {
  const std::string what =
      "digest '" + shorten_for_message(file.digest_hex) + "' of file '" + file.path + "'";
  const std::size_t length = file.digest_hex.size();
  if (length != kGitBlobIdHexLength && length != kLfsSha256HexLength) {
    return fail(ErrorCode::invalid_input,
                what + " has " + std::to_string(length) +
                    " characters; expected 40 hex digits (git blob id) or 64 (LFS SHA-256)");
  }
  auto decoded = hex_decode(file.digest_hex);
  if (!decoded) {
    return fail(ErrorCode::invalid_input, what + " is not hex: " + decoded.error().message);
  }
  return decoded;
}

// The components of a repository path as Python's PurePosixPath sees them: empty and "."
// components vanish, so "a//./b" is ("a", "b").
std::vector<std::string_view> path_components(std::string_view path) {
  std::vector<std::string_view> components;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view component = path.substr(start, end - start);
    if (!component.empty() && component != ".") components.push_back(component);
    start = end + 1;
  }
  return components;
}

bool is_bytecode(std::string_view path, const std::vector<std::string_view>& components) {
  return path.ends_with(".pyc") ||
         std::find(components.begin(), components.end(), "__pycache__") != components.end();
}

std::string join_from(const std::vector<std::string_view>& components, std::size_t first) {
  // Path(*parts[2:]).as_posix() of nothing is "." in Python; keep that for a file named like a
  // variant folder so that the hash matches the reference even on such odd trees.
  if (first >= components.size()) return ".";
  std::string joined(components[first]);
  for (std::size_t i = first + 1; i < components.size(); ++i) {
    joined += '/';
    joined += components[i];
  }
  return joined;
}

}  // namespace

Result<std::string> git_lfs_concat(std::span<const VariantFileDigest> files) {
  std::vector<DecodedFile> decoded;
  decoded.reserve(files.size());
  for (const VariantFileDigest& file : files) {
    auto digest = decode_file_digest(file);
    if (!digest) return tl::unexpected<Error>(std::move(digest.error()));
    decoded.push_back(DecodedFile{file.path, std::move(*digest)});
  }
  std::sort(decoded.begin(), decoded.end(), [](const DecodedFile& a, const DecodedFile& b) {
    return path_bytes_less(a.path, b.path);
  });
  const auto duplicate = std::adjacent_find(
      decoded.begin(), decoded.end(),
      [](const DecodedFile& a, const DecodedFile& b) { return a.path == b.path; });
  if (duplicate != decoded.end()) {
    return fail(ErrorCode::invalid_input,
                "file '" + std::string(duplicate->path) + "' is listed twice in one variant");
  }

  Sha256 hasher;
  for (const DecodedFile& file : decoded) {
    hasher.update(file.path);
    hasher.update(file.digest);
  }
  auto hex = hasher.finish_hex();
  if (!hex) return tl::unexpected<Error>(std::move(hex.error()));
  return std::string(kVariantHashPrefix) + *hex;
}

Result<std::vector<VariantHash>> variant_hashes_from_tree(std::span<const RepoTreeFile> files) {
  std::vector<std::pair<std::string, std::vector<VariantFileDigest>>> variants;
  std::unordered_map<std::string, std::size_t> variant_index;

  for (const RepoTreeFile& file : files) {
    if (!file.path.starts_with(kTorchBuildPrefix)) continue;
    const std::vector<std::string_view> components = path_components(file.path);
    if (is_bytecode(file.path, components)) continue;
    if (!file.blob_id || file.blob_id->empty()) {
      return fail(ErrorCode::invalid_input, "Cannot get blob ID for " + file.path);
    }
    // The prefix guarantees "build" and a second component.
    std::string variant(components[1]);
    auto [entry, inserted] = variant_index.try_emplace(variant, variants.size());
    if (inserted) variants.emplace_back(std::move(variant), std::vector<VariantFileDigest>{});
    variants[entry->second].second.push_back(
        VariantFileDigest{join_from(components, 2), file.lfs_sha256.value_or(*file.blob_id)});
  }

  std::vector<VariantHash> hashes;
  hashes.reserve(variants.size());
  for (auto& [variant, variant_files] : variants) {
    auto hash = git_lfs_concat(variant_files);
    if (!hash) {
      Error error = std::move(hash.error());
      if (error.location.empty()) error.location = "build/" + variant;
      return tl::unexpected<Error>(std::move(error));
    }
    hashes.push_back(VariantHash{variant, std::move(*hash)});
  }
  return hashes;
}

}  // namespace kernels
