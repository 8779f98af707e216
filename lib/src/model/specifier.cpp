// What a specifier means: PEP 440's matching rules as packaging 26 applies them, and its
// pre-release policy.

#include "kernels/model/specifier.hpp"

#include <algorithm>
#include <utility>

#include "util/ascii.hpp"

namespace kernels {
namespace {

std::uint64_t component(const std::vector<std::uint64_t>& release, std::size_t index) {
  return index < release.size() ? release[index] : 0;
}

// Whether `release`, padded with zeros, begins with `prefix` (`==1.0.*` matches 1, 1.0.5).
bool release_has_prefix(const std::vector<std::uint64_t>& release,
                        const std::vector<std::uint64_t>& prefix, std::size_t prefix_length) {
  for (std::size_t i = 0; i < prefix_length; ++i) {
    if (component(release, i) != prefix[i]) return false;
  }
  return true;
}

bool same_release(const std::vector<std::uint64_t>& lhs, const std::vector<std::uint64_t>& rhs) {
  const std::size_t length = std::max(lhs.size(), rhs.size());
  for (std::size_t i = 0; i < length; ++i) {
    if (component(lhs, i) != component(rhs, i)) return false;
  }
  return true;
}

// `version` with other parts; the parts come from a valid version, so this cannot fail.
Version rebuilt(VersionParts parts) {
  return Version::from_parts(std::move(parts)).value();
}

// `<V` with V a final or post-release stops below V's first development release, so that no
// pre-release of V matches (`<1.0` excludes 1.0rc1 and 1.0.dev0).
bool less_than(const Version& candidate, const Version& bound) {
  if (bound.is_prerelease()) return candidate < bound;
  VersionParts first_dev = bound.parts();
  first_dev.dev = 0;
  return candidate < rebuilt(std::move(first_dev));
}

// `>V` excludes the post-releases and local versions of V unless V is a post- or dev release
// itself (then only V's local versions, which sort between V and the next version).
bool greater_than(const Version& candidate, const Version& bound) {
  if (bound.post() || bound.dev()) return candidate.without_local() > bound;
  if (candidate <= bound) return false;
  const bool in_family_of_bound = candidate.epoch() == bound.epoch() &&
                                  same_release(candidate.release(), bound.release()) &&
                                  candidate.pre() == bound.pre();
  return !in_family_of_bound;
}

// `==V` without a local label in V ignores the candidate's local label.
bool equal_to(const Version& candidate, const Version& bound) {
  if (bound.has_local()) return candidate == bound;
  return candidate.without_local() == bound;
}

// The version text packaging compares specifiers by: trailing zeros do not count, except in `~=`
// and in wildcards, where the number of components carries meaning.
std::string equality_key(const Specifier& specifier) {
  std::string key(to_string(specifier.op()));
  if (!specifier.version() || specifier.op() == SpecifierOperator::arbitrary) {
    return key + specifier.version_text();
  }
  VersionParts parts = specifier.version()->parts();
  if (specifier.op() != SpecifierOperator::compatible && !specifier.is_wildcard()) {
    while (parts.release.size() > 1 && parts.release.back() == 0)
      parts.release.pop_back();
  }
  key += rebuilt(std::move(parts)).to_string();
  if (specifier.is_wildcard()) key += ".*";
  return key;
}

std::vector<std::string> sorted_unique(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

}  // namespace

std::string_view to_string(SpecifierOperator op) {
  switch (op) {
    case SpecifierOperator::compatible:
      return "~=";
    case SpecifierOperator::equal:
      return "==";
    case SpecifierOperator::not_equal:
      return "!=";
    case SpecifierOperator::less_equal:
      return "<=";
    case SpecifierOperator::greater_equal:
      return ">=";
    case SpecifierOperator::less:
      return "<";
    case SpecifierOperator::greater:
      return ">";
    case SpecifierOperator::arbitrary:
      return "===";
  }
  return "==";
}

bool Specifier::names_prerelease() const {
  if (op_ == SpecifierOperator::not_equal || wildcard_) return false;
  return version_ && version_->is_prerelease();
}

bool Specifier::matches(const Version& candidate) const {
  if (op_ == SpecifierOperator::arbitrary) {
    return ascii::to_lower(candidate.to_string()) == ascii::to_lower(version_text_);
  }
  const Version& bound = *version_;
  if (wildcard_) {
    const bool in_prefix =
        candidate.epoch() == bound.epoch() &&
        release_has_prefix(candidate.release(), bound.release(), bound.release().size());
    return op_ == SpecifierOperator::equal ? in_prefix : !in_prefix;
  }
  switch (op_) {
    case SpecifierOperator::compatible:
      // ~=1.4.5 means >=1.4.5, ==1.4.*
      return candidate >= bound && candidate.epoch() == bound.epoch() &&
             release_has_prefix(candidate.release(), bound.release(), bound.release().size() - 1);
    case SpecifierOperator::equal:
      return equal_to(candidate, bound);
    case SpecifierOperator::not_equal:
      return !equal_to(candidate, bound);
    case SpecifierOperator::less_equal:
      return candidate.without_local() <= bound;
    case SpecifierOperator::greater_equal:
      return candidate >= bound;
    case SpecifierOperator::less:
      return less_than(candidate, bound);
    case SpecifierOperator::greater:
      return greater_than(candidate, bound);
    case SpecifierOperator::arbitrary:
      break;
  }
  return false;
}

std::string Specifier::to_string() const {
  std::string out(kernels::to_string(op_));
  if (op_ == SpecifierOperator::arbitrary) return out + version_text_;
  out += version_->to_string();
  if (wildcard_) out += ".*";
  return out;
}

bool SpecifierSet::names_prerelease() const {
  return std::any_of(clauses_.begin(), clauses_.end(),
                     [](const Specifier& clause) { return clause.names_prerelease(); });
}

bool SpecifierSet::contains(const Version& version, Prereleases prereleases) const {
  if (prereleases == Prereleases::exclude && version.is_prerelease()) return false;
  return std::all_of(clauses_.begin(), clauses_.end(),
                     [&](const Specifier& clause) { return clause.matches(version); });
}

std::vector<std::size_t> SpecifierSet::filter_indices(std::span<const Version> versions,
                                                      Prereleases prereleases) const {
  if (prereleases == Prereleases::automatic && names_prerelease()) {
    prereleases = Prereleases::include;
  }
  std::vector<std::size_t> finals;
  std::vector<std::size_t> all_matching;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    if (!contains(versions[i], prereleases)) continue;
    all_matching.push_back(i);
    if (!versions[i].is_prerelease()) finals.push_back(i);
  }
  // PEP 440: pre-releases are accepted by default only when nothing else satisfies the set.
  if (prereleases == Prereleases::automatic && !finals.empty()) return finals;
  return all_matching;
}

std::vector<Version> SpecifierSet::filter(std::span<const Version> versions,
                                          Prereleases prereleases) const {
  std::vector<Version> kept;
  for (const std::size_t index : filter_indices(versions, prereleases)) {
    kept.push_back(versions[index]);
  }
  return kept;
}

std::string SpecifierSet::to_string() const {
  std::vector<std::string> forms;
  forms.reserve(clauses_.size());
  for (const auto& clause : clauses_)
    forms.push_back(clause.to_string());
  std::string out;
  for (const auto& form : sorted_unique(std::move(forms))) {
    if (!out.empty()) out += ',';
    out += form;
  }
  return out;
}

bool operator==(const SpecifierSet& lhs, const SpecifierSet& rhs) {
  const auto keys = [](const SpecifierSet& set) {
    std::vector<std::string> out;
    for (const auto& clause : set.clauses_)
      out.push_back(equality_key(clause));
    return sorted_unique(std::move(out));
  };
  return keys(lhs) == keys(rhs);
}

}  // namespace kernels
