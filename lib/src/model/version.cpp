#include "kernels/model/version.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "model/version_scanner.hpp"

namespace kernels {
namespace {

constexpr std::string_view kVersionForms =
    "expected a PEP 440 version such as 1.2.3, 1.2.0rc1, 1.2.post1, 1.2.dev3, 2!1.0 or 1.2+local.1";

// An alternate spelling of a pre-release kind, longest first where one spelling is a prefix of
// another, so that the first match is the one `packaging`'s regular expression takes.
struct PreSpelling {
  std::string_view word;
  PreReleaseKind kind;
};
constexpr std::array<PreSpelling, 8> kPreSpellings{{
    {"alpha", PreReleaseKind::alpha},
    {"a", PreReleaseKind::alpha},
    {"beta", PreReleaseKind::beta},
    {"b", PreReleaseKind::beta},
    {"preview", PreReleaseKind::release_candidate},
    {"pre", PreReleaseKind::release_candidate},
    {"c", PreReleaseKind::release_candidate},
    {"rc", PreReleaseKind::release_candidate},
}};
constexpr std::array<std::string_view, 3> kPostSpellings{"post", "rev", "r"};

tl::unexpected<Error> invalid_version(std::string_view text, std::string_view problem) {
  return fail(ErrorCode::invalid_input, "invalid version '" + std::string(text) +
                                            "': " + std::string(problem) + "; " +
                                            std::string(kVersionForms));
}

// Reads the number at the cursor, or fails when it does not fit 64 bits.
Result<std::uint64_t> read_number(detail::VersionScanner& scanner, std::string_view text) {
  const auto number = scanner.number();
  if (!number.has_value()) {
    return invalid_version(text, "a number in it is larger than 18446744073709551615");
  }
  return *number;
}

Result<std::vector<LocalSegment>> read_local(detail::VersionScanner& scanner,
                                             std::string_view text) {
  std::vector<LocalSegment> local;
  do {
    const std::string_view part = scanner.alnum_run();
    if (part.empty()) {
      return invalid_version(text,
                             "the local label after '+' needs letters or digits at position " +
                                 std::to_string(scanner.position() + 1));
    }
    if (std::all_of(part.begin(), part.end(), [](char c) { return ascii::is_digit(c); })) {
      auto number = detail::parse_decimal(part);
      if (!number) return invalid_version(text, "a number in its local label is too large");
      local.emplace_back(*number);
    } else {
      local.emplace_back(ascii::to_lower(part));
    }
  } while (scanner.separator_before_alnum());
  return local;
}

// The number after a pre/post/dev letter; PEP 440 makes a missing one 0 (`1.0a` is `1.0a0`).
Result<std::uint64_t> read_implicit_number(detail::VersionScanner& scanner, std::string_view text) {
  if (!scanner.at_digit()) return std::uint64_t{0};
  return read_number(scanner, text);
}

// pre-release: [sep] a|b|rc or an alternate spelling [sep] [number]
Result<std::optional<PreRelease>> read_pre(detail::VersionScanner& scanner, std::string_view text) {
  const auto mark = scanner.mark();
  scanner.accept_separator();
  const auto spelling =
      std::find_if(kPreSpellings.begin(), kPreSpellings.end(),
                   [&](const PreSpelling& s) { return scanner.accept_word_ci(s.word); });
  if (spelling == kPreSpellings.end()) {
    scanner.reset(mark);
    return std::optional<PreRelease>{};
  }
  scanner.accept_separator();
  auto number = read_implicit_number(scanner, text);
  if (!number) return tl::unexpected(number.error());
  return std::optional<PreRelease>{PreRelease{spelling->kind, *number}};
}

// post-release: -number, or [sep] post|rev|r [sep] [number]
Result<std::optional<std::uint64_t>> read_post(detail::VersionScanner& scanner,
                                               std::string_view text) {
  const auto mark = scanner.mark();
  if (scanner.accept_char_ci('-') && scanner.at_digit()) return read_number(scanner, text);
  scanner.reset(mark);
  scanner.accept_separator();
  const bool matched = std::any_of(kPostSpellings.begin(), kPostSpellings.end(),
                                   [&](std::string_view w) { return scanner.accept_word_ci(w); });
  if (!matched) {
    scanner.reset(mark);
    return std::optional<std::uint64_t>{};
  }
  scanner.accept_separator();
  return read_implicit_number(scanner, text);
}

// development release: [sep] dev [sep] [number]
Result<std::optional<std::uint64_t>> read_dev(detail::VersionScanner& scanner,
                                              std::string_view text) {
  const auto mark = scanner.mark();
  scanner.accept_separator();
  if (!scanner.accept_word_ci("dev")) {
    scanner.reset(mark);
    return std::optional<std::uint64_t>{};
  }
  scanner.accept_separator();
  return read_implicit_number(scanner, text);
}

// The grammar of `packaging.version.VERSION_PATTERN`, read greedily: each optional group is tried
// at the cursor and, once it matched, is kept (the pattern's groups are possessive).
Result<VersionParts> read_version(std::string_view text) {
  detail::VersionScanner scanner(text);
  VersionParts parts;
  scanner.accept_char_ci('v');

  if (scanner.digits_followed_by('!')) {
    auto epoch = read_number(scanner, text);
    if (!epoch) return tl::unexpected(epoch.error());
    parts.epoch = *epoch;
    scanner.accept_char_ci('!');
  }

  if (!scanner.at_digit()) return invalid_version(text, "it must start with a number");
  do {
    auto component = read_number(scanner, text);
    if (!component) return tl::unexpected(component.error());
    parts.release.push_back(*component);
  } while (scanner.accept_dot_before_digit());

  auto pre = read_pre(scanner, text);
  if (!pre) return tl::unexpected(pre.error());
  parts.pre = *pre;
  auto post = read_post(scanner, text);
  if (!post) return tl::unexpected(post.error());
  parts.post = *post;
  auto dev = read_dev(scanner, text);
  if (!dev) return tl::unexpected(dev.error());
  parts.dev = *dev;

  if (scanner.accept_char_ci('+')) {
    auto local = read_local(scanner, text);
    if (!local) return tl::unexpected(local.error());
    parts.local = std::move(*local);
  }

  if (!scanner.at_end()) {
    return invalid_version(text, "unexpected '" + std::string(scanner.rest()) + "' at position " +
                                     std::to_string(scanner.position() + 1));
  }
  return parts;
}

// Release components compared as if the shorter one were padded with zeros.
std::strong_ordering compare_release(const std::vector<std::uint64_t>& lhs,
                                     const std::vector<std::uint64_t>& rhs) {
  const std::size_t length = std::max(lhs.size(), rhs.size());
  for (std::size_t i = 0; i < length; ++i) {
    const std::uint64_t left = i < lhs.size() ? lhs[i] : 0;
    const std::uint64_t right = i < rhs.size() ? rhs[i] : 0;
    if (left != right) return left <=> right;
  }
  return std::strong_ordering::equal;
}

// Where a version stands among the releases of its epoch and release numbers, as a tuple that
// compares lexicographically: (pre rank, pre number, has post, post number, not dev, dev number).
// A dev release of the final (1.0.dev1) ranks below every a/b/rc of it; no pre-release ranks above
// rc. A dev part sorts before the same version without one.
struct SuffixKey {
  int pre_rank;
  std::uint64_t pre_number;
  int has_post;
  std::uint64_t post_number;
  int not_dev;
  std::uint64_t dev_number;

  friend auto operator<=>(const SuffixKey&, const SuffixKey&) = default;
};

SuffixKey suffix_key(const VersionParts& parts) {
  SuffixKey key{3, 0, 0, 0, 1, 0};
  if (parts.pre) {
    key.pre_rank = static_cast<int>(parts.pre->kind);
    key.pre_number = parts.pre->number;
  } else if (!parts.post && parts.dev) {
    key.pre_rank = -1;
  }
  if (parts.post) {
    key.has_post = 1;
    key.post_number = *parts.post;
  }
  if (parts.dev) {
    key.not_dev = 0;
    key.dev_number = *parts.dev;
  }
  return key;
}

std::strong_ordering compare_local_segment(const LocalSegment& lhs, const LocalSegment& rhs) {
  const auto* left_number = std::get_if<std::uint64_t>(&lhs);
  const auto* right_number = std::get_if<std::uint64_t>(&rhs);
  if (left_number && right_number) return *left_number <=> *right_number;
  if (!left_number && !right_number) {
    return std::get<std::string>(lhs).compare(std::get<std::string>(rhs)) <=> 0;
  }
  // PEP 440: text parts sort before number parts.
  return left_number ? std::strong_ordering::greater : std::strong_ordering::less;
}

std::strong_ordering compare_local(const std::vector<LocalSegment>& lhs,
                                   const std::vector<LocalSegment>& rhs) {
  const std::size_t common = std::min(lhs.size(), rhs.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (const auto order = compare_local_segment(lhs[i], rhs[i]); order != 0) return order;
  }
  return lhs.size() <=> rhs.size();
}

bool is_valid_local_text(const std::string& text) {
  if (text.empty()) return false;
  const bool allowed = std::all_of(text.begin(), text.end(), [](char c) {
    return ascii::is_digit(c) || (c >= 'a' && c <= 'z');
  });
  return allowed &&
         !std::all_of(text.begin(), text.end(), [](char c) { return ascii::is_digit(c); });
}

}  // namespace

Result<Version> Version::parse(std::string_view text) {
  auto parts = read_version(ascii::trim(text));
  if (!parts) return tl::unexpected(parts.error());
  return Version(std::move(*parts));
}

Result<Version> Version::from_parts(VersionParts parts) {
  if (parts.release.empty()) {
    return fail(ErrorCode::invalid_input, "a version needs at least one release number");
  }
  for (const auto& segment : parts.local) {
    if (const auto* text = std::get_if<std::string>(&segment);
        text && !is_valid_local_text(*text)) {
      return fail(ErrorCode::invalid_input,
                  "local version part '" + *text +
                      "' must be lower-case ASCII letters and digits, not only digits");
    }
  }
  return Version(std::move(parts));
}

Version Version::without_local() const {
  VersionParts parts = parts_;
  parts.local.clear();
  return Version(std::move(parts));
}

std::string Version::to_string() const {
  std::string out;
  if (parts_.epoch != 0) out += std::to_string(parts_.epoch) + "!";
  for (std::size_t i = 0; i < parts_.release.size(); ++i) {
    if (i != 0) out += '.';
    out += std::to_string(parts_.release[i]);
  }
  if (parts_.pre) {
    constexpr std::array<std::string_view, 3> kLetters{"a", "b", "rc"};
    out += kLetters.at(static_cast<std::size_t>(parts_.pre->kind));
    out += std::to_string(parts_.pre->number);
  }
  if (parts_.post) out += ".post" + std::to_string(*parts_.post);
  if (parts_.dev) out += ".dev" + std::to_string(*parts_.dev);
  for (std::size_t i = 0; i < parts_.local.size(); ++i) {
    out += i == 0 ? '+' : '.';
    const auto& segment = parts_.local[i];
    if (const auto* number = std::get_if<std::uint64_t>(&segment)) {
      out += std::to_string(*number);
    } else {
      out += std::get<std::string>(segment);
    }
  }
  return out;
}

std::strong_ordering operator<=>(const Version& lhs, const Version& rhs) {
  if (const auto order = lhs.parts_.epoch <=> rhs.parts_.epoch; order != 0) return order;
  if (const auto order = compare_release(lhs.parts_.release, rhs.parts_.release); order != 0) {
    return order;
  }
  if (const auto order = suffix_key(lhs.parts_) <=> suffix_key(rhs.parts_); order != 0) {
    return order;
  }
  return compare_local(lhs.parts_.local, rhs.parts_.local);
}

Result<Version> parse_version(std::string_view text) {
  return Version::parse(text);
}

std::optional<Version> parse_tag_version(std::string_view tag) {
  if (tag.empty() || tag.front() != 'v') return std::nullopt;
  auto version = parse_version(tag.substr(1));
  if (!version) return std::nullopt;
  return std::move(*version);
}

}  // namespace kernels
