#include "kernels/model/version_resolution.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "util/ascii.hpp"

namespace kernels {
namespace {

using ascii::is_digit;
using ascii::is_space;

// Python's int(text) for ASCII text: surrounding whitespace, a sign, digits with single
// underscores between them, leading zeros allowed.
std::optional<std::int64_t> parse_python_int(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || !is_digit(text.front()) || !is_digit(text.back())) return std::nullopt;

  constexpr auto kMaxMagnitude =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const std::uint64_t limit = negative ? kMaxMagnitude + 1 : kMaxMagnitude;
  std::uint64_t magnitude = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      if (!is_digit(text[i + 1])) return std::nullopt;  // the last character is a digit
      continue;
    }
    if (!is_digit(c)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (!negative) return static_cast<std::int64_t>(magnitude);
  if (magnitude == kMaxMagnitude + 1) return std::numeric_limits<std::int64_t>::min();
  return -static_cast<std::int64_t>(magnitude);
}

std::string join_versions(const std::vector<TaggedVersion>& versions) {
  std::string out;
  for (const auto& tagged : versions) {
    if (!out.empty()) out += ", ";
    out += tagged.version.to_string();
  }
  return out;
}

std::string join_majors(const std::vector<BranchVersion>& branches) {
  std::string out;
  for (const auto& branch : branches) {
    if (!out.empty()) out += ", ";
    out += std::to_string(branch.major);
  }
  return out;
}

}  // namespace

std::vector<TaggedVersion> tag_versions(std::span<const GitRef> tags) {
  std::vector<TaggedVersion> versions;
  for (const auto& tag : tags) {
    auto version = parse_tag_version(tag.name);
    if (!version) continue;
    const auto same =
        std::find_if(versions.begin(), versions.end(),
                     [&](const TaggedVersion& seen) { return seen.version == *version; });
    if (same != versions.end()) {
      same->ref = tag;  // a later tag of an equal version replaces the earlier one
    } else {
      versions.push_back(TaggedVersion{std::move(*version), tag});
    }
  }
  std::stable_sort(
      versions.begin(), versions.end(),
      [](const TaggedVersion& lhs, const TaggedVersion& rhs) { return lhs.version < rhs.version; });
  return versions;
}

Result<TaggedVersion> select_by_specifier(std::span<const GitRef> tags,
                                          const SpecifierSet& specifier, std::string_view repo_id) {
  const std::vector<TaggedVersion> available = tag_versions(tags);
  std::vector<Version> versions;
  versions.reserve(available.size());
  for (const auto& tagged : available)
    versions.push_back(tagged.version);

  const std::vector<std::size_t> kept = specifier.filter_indices(versions);
  if (kept.empty()) {
    std::string message = "No version of `" + std::string(repo_id) +
                          "` satisfies requirement: " + specifier.text() + "; ";
    if (available.empty()) {
      message += "the repository has no version tags (tags named v<version>, e.g. v1.2.0)";
    } else {
      message += "available versions: " + join_versions(available);
    }
    return fail(ErrorCode::not_found, std::move(message));
  }
  // `available` is in ascending order and filtering keeps the order, so the last one is highest.
  return available[kept.back()];
}

std::optional<std::int64_t> parse_branch_major(std::string_view branch_name) {
  if (branch_name.empty() || branch_name.front() != 'v') return std::nullopt;
  return parse_python_int(branch_name.substr(1));
}

std::vector<BranchVersion> branch_versions(std::span<const GitRef> branches) {
  std::map<std::int64_t, GitRef> by_major;
  for (const auto& branch : branches) {
    if (const auto major = parse_branch_major(branch.name))
      by_major.insert_or_assign(*major, branch);
  }
  std::vector<BranchVersion> versions;
  versions.reserve(by_major.size());
  for (auto& [major, ref] : by_major)
    versions.push_back(BranchVersion{major, std::move(ref)});
  return versions;
}

Result<BranchSelection> select_branch(std::span<const GitRef> branches, std::int64_t major,
                                      std::string_view repo_id) {
  const std::vector<BranchVersion> available = branch_versions(branches);
  const auto found =
      std::find_if(available.begin(), available.end(),
                   [&](const BranchVersion& branch) { return branch.major == major; });
  if (found == available.end()) {
    std::string message = "Version " + std::to_string(major) + " not found, available versions: ";
    message += available.empty() ? "none (the repository has no branches named v<N>, e.g. v1)"
                                 : join_majors(available);
    return fail(ErrorCode::not_found, std::move(message), std::string(repo_id));
  }
  return BranchSelection{*found, available.back().major};
}

std::string newer_version_warning(std::string_view repo_id, std::int64_t used,
                                  std::int64_t newest) {
  return "You are using version " + std::to_string(used) + " of '" + std::string(repo_id) +
         "', but version " + std::to_string(newest) + " is available.";
}

}  // namespace kernels
