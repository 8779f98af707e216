#include "kernels/model/kernel_ref.hpp"

#include <charconv>
#include <limits>

#include "kernels/model/repo_id.hpp"

#include "util/ascii.hpp"

namespace kernels {
namespace {

using ascii::is_digit;
using ascii::trim;

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// `1.2` or `1.2.3` (two or more dot-separated numbers): the part of a `v<version>` tag that
// becomes an exact `==` specifier.
bool is_dotted_version(std::string_view text) {
  std::size_t parts = 0;
  while (true) {
    const auto dot = text.find('.');
    if (!all_digits(text.substr(0, dot))) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return parts >= 2;
}

bool is_identifier(std::string_view text) {
  if (text.empty() || is_digit(text.front())) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string in_ref(std::string_view text) {
  return "invalid kernel reference '" + std::string(text) + "': ";
}

Result<Requirement> parse_requirement(std::string_view whole, std::string_view spec) {
  if (spec.empty()) {
    return fail(ErrorCode::invalid_input,
                in_ref(whole) +
                    "nothing follows '@'; give a version (@1, @v2.1.0, @>=2.0,<3.0) or a revision "
                    "(@main)");
  }
  const bool v_prefixed = spec.front() == 'v';
  const std::string_view after_v = v_prefixed ? spec.substr(1) : spec;
  if (all_digits(spec) || (v_prefixed && all_digits(after_v))) {
    const std::string_view digits = after_v;
    int number = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
      return fail(ErrorCode::invalid_input, in_ref(whole) + "the major version '" +
                                                std::string(digits) + "' is too large (at most " +
                                                std::to_string(std::numeric_limits<int>::max()) +
                                                ")");
    }
    return MajorVersion{number};
  }
  if (v_prefixed && is_dotted_version(after_v)) {
    return VersionSpecifier{"==" + std::string(after_v)};
  }
  if (std::string_view("<>=!~").find(spec.front()) != std::string_view::npos) {
    return VersionSpecifier{std::string(spec)};
  }
  if (auto ok = validate_revision(spec); !ok) {
    return fail(ErrorCode::invalid_input, in_ref(whole) + ok.error().message);
  }
  return Revision{std::string(spec)};
}

}  // namespace

Result<KernelRef> parse_kernel_ref(std::string_view text) {
  const std::string_view whole = trim(text);
  if (whole.empty()) {
    return fail(ErrorCode::invalid_input,
                "the kernel reference is empty; expected 'org/repo', optionally followed by "
                "'@<version or revision>' and ':<Layer>'");
  }
  KernelRef ref;
  std::string_view rest = whole;
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    const std::string_view layer = trim(rest.substr(colon + 1));
    if (!is_identifier(layer)) {
      return fail(ErrorCode::invalid_input,
                  in_ref(whole) + "'" + std::string(layer) +
                      "' after ':' is not a layer name (letters, digits and '_', not starting with "
                      "a digit), e.g. 'org/repo:SiluAndMul'");
    }
    ref.layer = std::string(layer);
    rest = trim(rest.substr(0, colon));
  }
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    auto requirement = parse_requirement(whole, trim(rest.substr(at + 1)));
    if (!requirement) return tl::unexpected(requirement.error());
    ref.requirement = std::move(*requirement);
    rest = trim(rest.substr(0, at));
  }
  if (auto ok = validate_repo_id(rest); !ok) {
    return fail(ErrorCode::invalid_input, in_ref(whole) + ok.error().message);
  }
  ref.repo_id = std::string(rest);
  return ref;
}

}  // namespace kernels
