#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/dependency.hpp"
#include "kernels/model/variant_hash.hpp"

namespace kernels {

// A lockfile larger than this is refused before it is parsed: real ones are a few hundred KiB.
inline constexpr std::size_t kMaxLockfileBytes = std::size_t{64} * 1024 * 1024;

// The integrity hash of one build variant: "sha256-<64 lowercase hex>".
struct VariantLock {
  std::string hash;
  std::string hash_type{kGitLfsConcatHashType};  // the only type there is (spec section 6.1)
  friend bool operator==(const VariantLock&, const VariantLock&) = default;
};

// One entry of a kernel's "variants" object; the order is the file's order (the Hub listing's).
struct LockedVariant {
  std::string name;  // a folder name under build/, e.g. "torch210-cxx11-cu128-x86_64-linux"
  VariantLock lock;
  friend bool operator==(const LockedVariant&, const LockedVariant&) = default;
};

// The two kernels.lock formats the reference tool has written (both are read; the writer keeps
// the one a project already has):
//
//   variant_hashes      kernels <= 0.16 (kernels-spec.md 3.1): [{"repo_id", "sha", "variants":
//                       {name: {"hash", "hash_type"}}}] in dependency order, Python json.dumps
//                       with indent=2. One integrity hash per build variant.
//   dependency_commits  kernels >= 0.17 (kernels-data, kernels-spec.md 3.2): [{"dependency":
//                       {"repo-id", "version" | "revision"}, "lock": {"commit"}}] sorted by
//                       (repo-id bytes, version before revision, value), serde_json pretty
//                       printing. Commits only: no variant hashes.
enum class LockFormat { variant_hashes, dependency_commits };

// One kernel pinned to a commit.
struct LockedKernel {
  std::string repo_id;  // after redirects, as the Hub names it now
  std::string sha;      // the full commit id: 40 lowercase hex (64 for SHA-256 repos)
  std::vector<LockedVariant> variants;  // variant_hashes format only
  // dependency_commits format only: what was locked, a MajorVersion or a Revision.
  std::optional<Requirement> requirement;

  // The variant named `name`, or nullptr.
  [[nodiscard]] const VariantLock* find_variant(std::string_view name) const;
  friend bool operator==(const LockedKernel&, const LockedKernel&) = default;
};

// The contents of kernels.lock, in the file's order (the project's dependency order).
struct Lockfile {
  LockFormat format = LockFormat::variant_hashes;
  std::vector<LockedKernel> kernels;

  // The entry for `repo_id` (exact comparison, as the reference does), or nullptr.
  [[nodiscard]] const LockedKernel* find(std::string_view repo_id) const;
  [[nodiscard]] LockedKernel* find(std::string_view repo_id);
  friend bool operator==(const Lockfile&, const Lockfile&) = default;
};

// Parses the text of a kernels.lock in either format (told apart by the first entry's keys; an
// empty array is the variant_hashes format) and checks every value. In the dependency_commits
// format unknown keys are rejected everywhere (as kernels-data does), commits may be upper case
// (they are lowercased) and a dependency may appear once.
// Errors are ErrorCode::invalid_input; Error::location is the JSON path of the offending value
// ("$", "$[1].sha", "$[0].variants[\"torch-cpu\"].hash") or "line:column" for a syntax error,
// prefixed with "<file_name>: " (path) or "<file_name>:" (line:column) when a file name is given.
// Keys a kernel entry does not know are dropped (the reference ignores them); keys a variant entry
// does not know are rejected (the reference rejects them). A variant without "hash_type" gets
// "git_lfs_concat", as in the reference. Duplicate keys in one object are rejected.
[[nodiscard]] Result<Lockfile> parse_lockfile(std::string_view text,
                                              std::string_view file_name = {});

// Checks the values of a lockfile built in code or parsed: repo ids, commit shas, hashes, hash
// types, variant names, no repo twice (no dependency twice in the dependency_commits format), no
// variant twice in one kernel, fields that belong to the other format left empty. Locations as
// above.
[[nodiscard]] Result<void> validate_lockfile(const Lockfile& lockfile,
                                             std::string_view file_name = {});

// Writes the lockfile byte for byte as the reference writes its format. variant_hashes: Python's
// `json.dumps(locks, indent=2)`: 2-space indent, ": " after keys, "," at line ends, "[]"/"{}"
// when empty, non-ASCII as \uXXXX (surrogate pairs beyond the BMP), no newline at the end.
// dependency_commits: serde_json's pretty printer over the sorted entries (non-ASCII kept as
// UTF-8), no newline at the end. It does not validate: call validate_lockfile.
[[nodiscard]] std::string serialize_lockfile(const Lockfile& lockfile);

// `<project_dir>/kernels.lock`.
[[nodiscard]] std::filesystem::path lockfile_path(const std::filesystem::path& project_dir);

// Reads and parses a lockfile. A missing file is ErrorCode::not_found ("No kernels.lock file found
// in: DIR" and the fix), an unreadable one ErrorCode::io; parse errors carry the path in their
// location ("DIR/kernels.lock: $[0].sha").
[[nodiscard]] Result<Lockfile> read_lockfile(const std::filesystem::path& file);

}  // namespace kernels
