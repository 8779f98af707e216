#pragma once

// The integrity hash of one build variant as kernels.lock records it: `git_lfs_concat`
// (reference spec section 6.1, DESIGN.md compatibility promise 2).
//
// Over the files under build/<variant>/: sort by the UTF-8 bytes of the path relative to the
// variant folder, then SHA-256 over path bytes || raw digest bytes for each file, with no
// separators. The digest is the file's LFS SHA-256 (32 bytes) when it is stored in LFS, else its
// git blob id (SHA-1, 20 bytes). The result is "sha256-" + lowercase hex.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"

namespace kernels {

// The value of `hash_type` next to every variant hash in kernels.lock.
inline constexpr std::string_view kGitLfsConcatHashType = "git_lfs_concat";

// One file of a variant: its path relative to build/<variant>/ ("relu/__init__.py") and its
// digest in hex, either 40 digits (git blob id) or 64 (LFS SHA-256); either case is accepted.
struct VariantFileDigest {
  std::string path;
  std::string digest_hex;
};

// "sha256-<64 hex>". Fails with invalid_input on a digest that is not 40 or 64 hex digits and on
// two files with the same path. The order of `files` does not matter.
[[nodiscard]] Result<std::string> git_lfs_concat(std::span<const VariantFileDigest> files);

// A file of a repository tree listing at one commit (the Hub's /tree?recursive=true).
struct RepoTreeFile {
  std::string path;                       // repository path, "build/torch28-cpu/relu/_ops.py"
  std::optional<std::string> blob_id;     // git blob id (the listing's "oid")
  std::optional<std::string> lfs_sha256;  // "lfs.oid" when the file is stored in LFS
};

struct VariantHash {
  std::string variant;  // "torch28-cxx11-cu128-x86_64-linux"
  std::string hash;     // "sha256-..."
};

// The hash of every variant in a tree listing, as the reference `kernels lock` computes it:
// files whose path starts with "build/torch", without bytecode (".pyc" files and anything in a
// "__pycache__" folder), grouped by the second path component. Variants come in the order in
// which the listing first mentions them. A kept file without a blob id fails with
// "Cannot get blob ID for {path}" (invalid_input).
[[nodiscard]] Result<std::vector<VariantHash>> variant_hashes_from_tree(
    std::span<const RepoTreeFile> files);

}  // namespace kernels
