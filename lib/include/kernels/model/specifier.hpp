#pragma once

// PEP 440 version specifiers (`>=0.1.0,<0.2.0`, `~=1.2`, `==1.2.*`) with the meaning Python's
// `packaging.specifiers.SpecifierSet` gives them (packaging 26). A kernel dependency written as a
// string in the project configuration is one of these, matched against the repo's `v<version>`
// tags (reference/kernels-spec.md sections 2 and 4.2).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/version.hpp"

namespace kernels {

enum class SpecifierOperator : std::uint8_t {
  compatible,     // ~=
  equal,          // ==  (also ==V.* with a wildcard)
  not_equal,      // !=  (also !=V.*)
  less_equal,     // <=
  greater_equal,  // >=
  less,           // <
  greater,        // >
  arbitrary,      // === (string equality with the normalized version, ignoring case)
};

// "~=", "==", ...
[[nodiscard]] std::string_view to_string(SpecifierOperator op);

// Whether pre-releases (a/b/rc and dev releases) may match.
enum class Prereleases : std::uint8_t {
  // packaging's default (`prereleases=None`). filter: pre-releases are kept when the specifier
  // names a pre-release itself (`>=1.0rc1`) or when no final release matches. contains: a single
  // pre-release inside the range matches, since there is nothing else to prefer (packaging >= 26).
  automatic,
  include,  // pre-releases match like any other version
  exclude,  // pre-releases never match
};

// One clause of a specifier set, such as `>=1.2` or `==1.2.*`.
class Specifier {
 public:
  // Reads one clause. Whitespace around it and after the operator is allowed, as in packaging.
  [[nodiscard]] static Result<Specifier> parse(std::string_view clause);

  [[nodiscard]] SpecifierOperator op() const { return op_; }
  // The clause's version; absent only for `===` with text that is not a PEP 440 version.
  [[nodiscard]] const std::optional<Version>& version() const { return version_; }
  // The version text as written after the operator (without the `.*` of a wildcard).
  [[nodiscard]] const std::string& version_text() const { return version_text_; }
  // `==V.*` or `!=V.*`: prefix matching on the release numbers.
  [[nodiscard]] bool is_wildcard() const { return wildcard_; }

  // Whether the clause names a pre-release, which lets a set match pre-releases by default.
  // `!=` and wildcard clauses never do (packaging's rule).
  [[nodiscard]] bool names_prerelease() const;

  // Whether `version` lies in the clause's range, before any pre-release policy. PEP 440's rules:
  // `<V` excludes pre-releases of V unless V is one; `>V` excludes V's post-releases (unless V is
  // one) and V's local versions; `==V`, `!=V` and `<=V` ignore the candidate's local label when V
  // has none; `==V.*` pads the shorter release with zeros; `~=X.Y` means `>=X.Y, ==X.*`.
  [[nodiscard]] bool matches(const Version& version) const;

  // Canonical form: the operator, then the normalized version (`>=v1.0RC1` gives `>=1.0rc1`).
  // `===` keeps its text as written.
  [[nodiscard]] std::string to_string() const;

 private:
  friend class SpecifierSet;
  Specifier() = default;
  // Reads `clause`; errors quote `context` (the whole set's text) as well when it differs.
  [[nodiscard]] static Result<Specifier> parse_clause(std::string_view clause,
                                                      std::string_view context);

  SpecifierOperator op_ = SpecifierOperator::equal;
  std::optional<Version> version_;
  std::string version_text_;
  bool wildcard_ = false;
};

// A comma-separated list of clauses that must all match. The empty set matches every version.
class SpecifierSet {
 public:
  SpecifierSet() = default;

  // Reads `>=1.0, <2, !=1.5.*`. Empty text (or only commas and whitespace) gives the empty set.
  // A malformed clause gives ErrorCode::invalid_input naming the clause and a valid form.
  [[nodiscard]] static Result<SpecifierSet> parse(std::string_view text);

  // The text the set was parsed from, as written (for messages that quote the user).
  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] const std::vector<Specifier>& clauses() const { return clauses_; }
  [[nodiscard]] bool empty() const { return clauses_.empty(); }

  // Whether any clause names a pre-release (see Specifier::names_prerelease).
  [[nodiscard]] bool names_prerelease() const;

  // Whether `version` satisfies every clause under the given pre-release policy.
  [[nodiscard]] bool contains(const Version& version,
                              Prereleases prereleases = Prereleases::automatic) const;

  // The positions, in input order, of the versions the set keeps. With `automatic`, pre-releases
  // are kept only when the set names a pre-release or when no final release matches at all.
  [[nodiscard]] std::vector<std::size_t> filter_indices(
      std::span<const Version> versions, Prereleases prereleases = Prereleases::automatic) const;

  // The versions the set keeps, in input order (see filter_indices).
  [[nodiscard]] std::vector<Version> filter(std::span<const Version> versions,
                                            Prereleases prereleases = Prereleases::automatic) const;

  // Canonical form: the clauses' canonical forms, sorted, without duplicates, joined by ",".
  // `<0.2.0, >0.1.0` and `>0.1.0,<0.2.0` both give `<0.2.0,>0.1.0`; the empty set gives "".
  [[nodiscard]] std::string to_string() const;

  // Same clauses, as packaging compares them: order, duplicates, spelling and trailing zeros do
  // not matter (`>=1.0` equals `>= 1.0.0`), except in `~=` where the length carries meaning.
  friend bool operator==(const SpecifierSet& lhs, const SpecifierSet& rhs);

 private:
  std::string text_;
  std::vector<Specifier> clauses_;
};

// Same as SpecifierSet::parse.
[[nodiscard]] Result<SpecifierSet> parse_specifier_set(std::string_view text);

}  // namespace kernels
