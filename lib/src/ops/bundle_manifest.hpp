#pragma once

// manifest.json of a bundle (ops/bundle.hpp): what it holds, checked in full when read, since an
// archive may come from anyone.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/error.hpp"

namespace kernels::detail {

inline constexpr std::string_view kBundleManifestName = "manifest.json";
inline constexpr std::size_t kMaxBundleManifestBytes = std::size_t{16} << 20U;

struct BundleVariantEntry {
  std::string name;
  std::string lock_hash;         // "" for a dependency_commits lock
  std::vector<CacheFile> files;  // repository paths under build/<name>/
};

struct BundleKernelEntry {
  std::string repo_id;
  RepoType type = RepoType::kernel;
  std::string commit;
  std::vector<BundleVariantEntry> variants;
};

struct BundleManifest {
  std::vector<BundleKernelEntry> kernels;
};

[[nodiscard]] std::string serialize_bundle_manifest(const BundleManifest& manifest);

// Parses and checks: format and version, repo ids, commits (40 or 64 hex), variant names, every
// file path (validate_repo_path, under build/<variant>/, no bytecode), blob names, no repo,
// variant or path twice, and each variant's lock hash equal to git_lfs_concat over its files.
[[nodiscard]] Result<BundleManifest> parse_bundle_manifest(std::string_view text);

// "<folder>/blobs/<etag>": the archive member of a blob.
[[nodiscard]] std::string bundle_blob_member(const CacheRepo& repo, std::string_view etag);

}  // namespace kernels::detail
