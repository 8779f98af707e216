#pragma once

// PEP 440 versions, read as leniently as Python's `packaging` library reads them and ordered
// exactly as PEP 440 orders them. Kernel repositories publish versions as Hub tags `v<version>`
// (reference/kernels-spec.md section 4.2), so this is what `kernels lock` compares.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "kernels/error.hpp"

namespace kernels {

// The kind of a pre-release, in PEP 440 order: a < b < rc. The spellings alpha, beta, c, pre and
// preview are read as one of these three.
enum class PreReleaseKind : std::uint8_t { alpha, beta, release_candidate };

struct PreRelease {
  PreReleaseKind kind = PreReleaseKind::alpha;
  std::uint64_t number = 0;

  friend bool operator==(const PreRelease&, const PreRelease&) = default;
};

// One part of a local version label (`+ubuntu.1` has the parts "ubuntu" and 1): a number, or
// lower-case ASCII letters and digits that are not all digits.
using LocalSegment = std::variant<std::uint64_t, std::string>;

// The parts of a version. Numbers are limited to 64 bits: a version with a larger number is
// rejected (Python's integers have no limit; no real version needs one that large).
struct VersionParts {
  std::uint64_t epoch = 0;
  std::vector<std::uint64_t> release;  // at least one component
  std::optional<PreRelease> pre;
  std::optional<std::uint64_t> post;
  std::optional<std::uint64_t> dev;
  std::vector<LocalSegment> local;  // empty: no local label
};

class Version {
 public:
  // Reads a version the way `packaging.version.Version(text)` does: surrounding whitespace, a
  // leading `v`, any letter case, the alternate spellings (alpha, beta, c, pre, preview, rev, r),
  // the separators `.`, `-`, `_` around pre/post/dev parts, implicit numbers (`1.0a` is `1.0a0`)
  // and implicit post-releases (`1.0-1` is `1.0.post1`).
  [[nodiscard]] static Result<Version> parse(std::string_view text);

  // Builds a version from its parts; fails when the release is empty or a local part is malformed.
  [[nodiscard]] static Result<Version> from_parts(VersionParts parts);

  [[nodiscard]] std::uint64_t epoch() const { return parts_.epoch; }
  [[nodiscard]] const std::vector<std::uint64_t>& release() const { return parts_.release; }
  [[nodiscard]] const std::optional<PreRelease>& pre() const { return parts_.pre; }
  [[nodiscard]] const std::optional<std::uint64_t>& post() const { return parts_.post; }
  [[nodiscard]] const std::optional<std::uint64_t>& dev() const { return parts_.dev; }
  [[nodiscard]] const std::vector<LocalSegment>& local() const { return parts_.local; }
  [[nodiscard]] const VersionParts& parts() const { return parts_; }

  // A pre-release is an a/b/rc release or a development release (PEP 440 counts both).
  [[nodiscard]] bool is_prerelease() const { return parts_.pre || parts_.dev; }
  [[nodiscard]] bool is_postrelease() const { return parts_.post.has_value(); }
  [[nodiscard]] bool is_devrelease() const { return parts_.dev.has_value(); }
  [[nodiscard]] bool has_local() const { return !parts_.local.empty(); }

  // The same version without its local label (PEP 440's "public version").
  [[nodiscard]] Version without_local() const;

  // The normalized form, as `str(packaging.version.Version(...))` prints it:
  // `[N!]1.2.3[{a|b|rc}N][.postN][.devN][+local.parts]`. Trailing zeros are kept (`1.0` stays).
  [[nodiscard]] std::string to_string() const;

  // PEP 440 order: epoch, then release (trailing zeros do not count: 1.0 == 1.0.0), then
  // dev < a < b < rc < final < post (a dev part sorts before the release it belongs to), then the
  // local label (none < any; parts compared in turn, text < number, a shorter prefix first).
  friend std::strong_ordering operator<=>(const Version& lhs, const Version& rhs);
  friend bool operator==(const Version& lhs, const Version& rhs) {
    return (lhs <=> rhs) == std::strong_ordering::equal;
  }

 private:
  explicit Version(VersionParts parts) : parts_(std::move(parts)) {}

  VersionParts parts_;
};

// Same as Version::parse. Errors are ErrorCode::invalid_input and say where the text went wrong.
[[nodiscard]] Result<Version> parse_version(std::string_view text);

// The version a Hub tag names: tags are `v<version>` (`v1.2.0rc1`, `v0.1.0`). A tag that does not
// start with a lower-case `v`, or whose rest is not a version, names none: such tags are skipped,
// as the reference tool skips them.
[[nodiscard]] std::optional<Version> parse_tag_version(std::string_view tag);

}  // namespace kernels
