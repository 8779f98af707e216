// The value checks of a lockfile, shared by parse_lockfile and the writers that build one in code.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "kernels/model/lockfile.hpp"
#include "kernels/model/repo_id.hpp"

#include "json_text.hpp"

namespace kernels {
namespace {

constexpr std::string_view kHashPrefix = "sha256-";
constexpr std::size_t kSha256HexDigits = 64;

bool is_lower_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// What is wrong with a variant name, or empty when it is fine. A variant name becomes a folder
// name under build/ in the cache, so nothing that could leave that folder is allowed.
std::string variant_name_problem(std::string_view name) {
  if (name.empty()) return "the variant name is empty";
  if (name == "." || name.find("..") != std::string_view::npos) {
    return "a variant name must not be '.' or contain '..'";
  }
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\') return "a variant name must not contain '/' or '\\'";
    if (byte < 0x20 || byte == 0x7f) return "a variant name must not contain control characters";
  }
  return {};
}

Result<void> check_sha(const LockedKernel& kernel, const std::string& where) {
  const std::string_view sha = kernel.sha;
  const bool full_length = sha.size() == 40 || sha.size() == 64;
  if (full_length && is_lower_hex(sha)) return {};
  std::string problem;
  if (full_length && is_hex(sha)) {
    problem = "the commit sha must be lowercase hex";
  } else {
    problem = "expected a full commit sha (40 lowercase hex digits, or 64 for a SHA-256 repo)";
  }
  return fail(ErrorCode::invalid_input,
              problem + ", found " + detail::shown_value(sha) + "; run `kernels lock` to re-pin " +
                  kernel.repo_id,
              where);
}

Result<void> check_variant(const LockedVariant& variant, const std::string& variant_path,
                           std::string_view file_name) {
  if (const auto problem = variant_name_problem(variant.name); !problem.empty()) {
    return fail(ErrorCode::invalid_input,
                "invalid variant name " + detail::shown_value(variant.name) + ": " + problem,
                detail::json_location(file_name, variant_path));
  }
  const std::string_view hash = variant.lock.hash;
  const std::string_view digits = hash.substr(std::min(hash.size(), kHashPrefix.size()));
  if (!hash.starts_with(kHashPrefix) || digits.size() != kSha256HexDigits ||
      !is_lower_hex(digits)) {
    return fail(ErrorCode::invalid_input,
                "expected \"sha256-\" followed by 64 lowercase hex digits, found " +
                    detail::shown_value(hash) + "; run `kernels lock` to rewrite the hash",
                detail::json_location(file_name, detail::json_path_member(variant_path, "hash")));
  }
  if (variant.lock.hash_type != kGitLfsConcatHashType) {
    return fail(
        ErrorCode::invalid_input,
        "unknown hash type " + detail::shown_value(variant.lock.hash_type) +
            "; the only supported hash type is \"git_lfs_concat\"",
        detail::json_location(file_name, detail::json_path_member(variant_path, "hash_type")));
  }
  return {};
}

// The dependency_commits format: the repo, what was locked (a version branch or a revision), the
// commit; a dependency once.
Result<void> validate_dependency_commits(const Lockfile& lockfile, std::string_view file_name) {
  std::map<std::pair<std::string_view, std::string>, std::size_t> first_index_of_dependency;
  for (std::size_t i = 0; i < lockfile.kernels.size(); ++i) {
    const LockedKernel& kernel = lockfile.kernels[i];
    const std::string entry_path = detail::json_path_element("$", i);
    const std::string dependency_path = detail::json_path_member(entry_path, "dependency");
    const std::string repo_location =
        detail::json_location(file_name, detail::json_path_member(dependency_path, "repo-id"));
    if (auto ok = validate_repo_id(kernel.repo_id); !ok) {
      return fail(ErrorCode::invalid_input, ok.error().message, repo_location);
    }
    const Requirement* requirement = kernel.requirement ? &*kernel.requirement : nullptr;
    const auto* version = requirement ? std::get_if<MajorVersion>(requirement) : nullptr;
    const auto* revision = requirement ? std::get_if<Revision>(requirement) : nullptr;
    if ((version == nullptr || version->number < 0) &&
        (revision == nullptr || revision->name.empty())) {
      return fail(ErrorCode::invalid_input,
                  "a locked dependency needs a non-negative version or a non-empty revision",
                  detail::json_location(file_name, dependency_path));
    }
    if (!kernel.variants.empty()) {
      return fail(ErrorCode::invalid_input,
                  "variant hashes belong to the other lockfile format (repo_id/sha/variants)",
                  detail::json_location(file_name, entry_path));
    }
    const auto key = std::pair{std::string_view(kernel.repo_id), describe(*requirement)};
    if (const auto [it, inserted] = first_index_of_dependency.emplace(key, i); !inserted) {
      return fail(ErrorCode::invalid_input,
                  "duplicate dependency: " + kernel.repo_id + " " + key.second +
                      " is locked twice (first at $[" + std::to_string(it->second) + "])",
                  repo_location);
    }
    const std::string commit_path =
        detail::json_path_member(detail::json_path_member(entry_path, "lock"), "commit");
    if (auto ok = check_sha(kernel, detail::json_location(file_name, commit_path)); !ok) return ok;
  }
  return {};
}

Result<void> validate_variant_hashes(const Lockfile& lockfile, std::string_view file_name) {
  std::map<std::string_view, std::size_t> first_index_of_repo;
  for (std::size_t i = 0; i < lockfile.kernels.size(); ++i) {
    const LockedKernel& kernel = lockfile.kernels[i];
    const std::string kernel_path = detail::json_path_element("$", i);
    const std::string repo_location =
        detail::json_location(file_name, detail::json_path_member(kernel_path, "repo_id"));
    if (auto ok = validate_repo_id(kernel.repo_id); !ok) {
      return fail(ErrorCode::invalid_input, ok.error().message, repo_location);
    }
    if (kernel.requirement) {
      return fail(ErrorCode::invalid_input,
                  "a locked requirement belongs to the other lockfile format (dependency/lock)",
                  detail::json_location(file_name, kernel_path));
    }
    if (const auto [it, inserted] = first_index_of_repo.emplace(kernel.repo_id, i); !inserted) {
      return fail(ErrorCode::invalid_input,
                  "repo '" + kernel.repo_id + "' is locked twice (first at $[" +
                      std::to_string(it->second) +
                      "]); a lockfile has one entry per repo: run `kernels lock` to rewrite it",
                  repo_location);
    }
    const std::string sha_path = detail::json_path_member(kernel_path, "sha");
    if (auto ok = check_sha(kernel, detail::json_location(file_name, sha_path)); !ok) return ok;
    const std::string variants_path = detail::json_path_member(kernel_path, "variants");
    std::set<std::string_view> names;
    for (const LockedVariant& variant : kernel.variants) {
      const std::string variant_path = detail::json_path_member(variants_path, variant.name);
      if (auto ok = check_variant(variant, variant_path, file_name); !ok) return ok;
      if (!names.insert(variant.name).second) {
        return fail(ErrorCode::invalid_input,
                    "variant " + detail::shown_value(variant.name) + " is listed twice for repo '" +
                        kernel.repo_id + "'",
                    detail::json_location(file_name, variant_path));
      }
    }
  }
  return {};
}

}  // namespace

Result<void> validate_lockfile(const Lockfile& lockfile, std::string_view file_name) {
  return lockfile.format == LockFormat::dependency_commits
             ? validate_dependency_commits(lockfile, file_name)
             : validate_variant_hashes(lockfile, file_name);
}

}  // namespace kernels
