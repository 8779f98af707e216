#pragma once

#include <string>
#include <variant>

#include "kernels/export.hpp"

namespace kernels {

// `"org/repo" = 1`: the newest commit of the Hub branch `v1` (the reference's current form).
struct MajorVersion {
  int number = 0;
  friend bool operator==(const MajorVersion&, const MajorVersion&) = default;
};

// `"org/repo" = ">=0.1.0,<0.2.0"`: the highest `v<semver>` tag the specifier accepts. Kept as the
// text the user wrote; the specifier parser reads it when versions are resolved.
struct VersionSpecifier {
  std::string text;
  friend bool operator==(const VersionSpecifier&, const VersionSpecifier&) = default;
};

// `"org/repo" = { revision = "main" }`: a branch, tag or commit sha, passed to the Hub as it is.
struct Revision {
  std::string name;
  friend bool operator==(const Revision&, const Revision&) = default;
};

// What a project asks of one kernel repo.
using Requirement = std::variant<MajorVersion, VersionSpecifier, Revision>;

// One entry of the project's dependency table.
struct Dependency {
  std::string repo_id;
  Requirement requirement;
  friend bool operator==(const Dependency&, const Dependency&) = default;
};

// For messages: "version 1 (branch v1)", "version >=1.2,<2", "revision main".
[[nodiscard]] KERNELS_API std::string describe(const Requirement& requirement);

}  // namespace kernels
