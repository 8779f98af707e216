#pragma once

// Choosing a revision of a kernel repo from its Hub refs, without the network: the caller lists
// the refs (`GET /api/kernels/{repo}/refs`, or the cache's refs/ folder offline) and these
// functions apply the reference tool's rules (reference/kernels-spec.md section 4):
// * a specifier string is matched against tags `v<version>` and the highest match wins (v0.9.0);
// * an integer N names the branch `v<N>` exactly (HEAD).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/specifier.hpp"
#include "kernels/model/version.hpp"

namespace kernels {

// A branch or tag as the Hub lists it: its short name (`v1`, `v0.1.0`) and the commit it points to.
struct GitRef {
  std::string name;
  std::string target_commit;

  friend bool operator==(const GitRef&, const GitRef&) = default;
};

// A tag that names a version.
struct TaggedVersion {
  Version version;
  GitRef ref;
};

// The tags that name versions (see parse_tag_version), in ascending version order, one per
// version. When several tags name the same version (`v1.0` and `v1.0.0`), the one listed last
// wins, as in the reference tool, which builds a dict keyed by version from the Hub's listing.
[[nodiscard]] std::vector<TaggedVersion> tag_versions(std::span<const GitRef> tags);

// The tag with the highest version the specifier set keeps under packaging's default pre-release
// policy (Prereleases::automatic). None: ErrorCode::not_found, "No version of `{repo_id}` satisfies
// requirement: {text as written}; available versions: 0.1.0, 0.1.1" (the reference's message, with
// the versions there are, so that the user can fix the requirement).
[[nodiscard]] Result<TaggedVersion> select_by_specifier(std::span<const GitRef> tags,
                                                        const SpecifierSet& specifier,
                                                        std::string_view repo_id);

// The major version a branch name stands for: `v` followed by what Python's int() accepts
// (`v1`, `v10`, `v01` is 1, `v1_0` is 10, `v-1` is -1), else nothing (`v1.0`, `main`, `V1`).
// Values outside 64 bits give nothing.
[[nodiscard]] std::optional<std::int64_t> parse_branch_major(std::string_view branch_name);

// A branch that names a major version.
struct BranchVersion {
  std::int64_t major = 0;
  GitRef ref;
};

// The version branches in ascending numeric order, one per major (the one listed last wins when
// two names give the same number, as `v1` and `v01` do).
[[nodiscard]] std::vector<BranchVersion> branch_versions(std::span<const GitRef> branches);

struct BranchSelection {
  BranchVersion selected;
  std::int64_t newest_major = 0;  // the highest major the repo has (>= selected.major)

  [[nodiscard]] bool newer_available() const { return newest_major > selected.major; }
};

// The branch `v<major>`. None: ErrorCode::not_found with the reference's message
// "Version {major} not found, available versions: 1, 2, 10" (numeric order) and the repo id as the
// error's location.
[[nodiscard]] Result<BranchSelection> select_branch(std::span<const GitRef> branches,
                                                    std::int64_t major, std::string_view repo_id);

// The reference's warning for an outdated major:
// "You are using version 1 of 'org/repo', but version 10 is available."
[[nodiscard]] std::string newer_version_warning(std::string_view repo_id, std::int64_t used,
                                                std::int64_t newest);

}  // namespace kernels
