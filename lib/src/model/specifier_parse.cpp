// Reading specifier text: the grammar of packaging's `Specifier._regex`, with error messages that
// name the clause at fault and show a form that works.

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/model/specifier.hpp"

#include "util/ascii.hpp"

namespace kernels {
namespace {

using ascii::is_space;
using ascii::trim;

constexpr std::string_view kOperatorList = "==, !=, <=, >=, <, >, ~=, ===";

struct OperatorSpelling {
  std::string_view text;
  SpecifierOperator op;
};
// Longest first, so that `===` is not read as `==` and `<=` not as `<`.
constexpr std::array<OperatorSpelling, 8> kOperators{{
    {"===", SpecifierOperator::arbitrary},
    {"~=", SpecifierOperator::compatible},
    {"==", SpecifierOperator::equal},
    {"!=", SpecifierOperator::not_equal},
    {"<=", SpecifierOperator::less_equal},
    {">=", SpecifierOperator::greater_equal},
    {"<", SpecifierOperator::less},
    {">", SpecifierOperator::greater},
}};

bool starts_with_digit_or_v_digit(std::string_view text) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!text.empty() && digit(text.front())) return true;
  return text.size() > 1 && (text[0] == 'v' || text[0] == 'V') && digit(text[1]);
}

// Why text without a known operator is not a clause, with the likely intended spelling.
std::string missing_operator_problem(std::string_view clause) {
  const auto suggest = [&](std::string_view typed, std::string_view meant) {
    return "'" + std::string(typed) + "' is not an operator; did you mean '" + std::string(meant) +
           std::string(clause.substr(typed.size())) +
           "'? (operators: " + std::string(kOperatorList) + ")";
  };
  if (clause.starts_with("=>")) return suggest("=>", ">=");
  if (clause.starts_with("=<")) return suggest("=<", "<=");
  if (clause.starts_with("=")) return suggest("=", "==");
  if (clause.starts_with("~")) return suggest("~", "~=");
  if (clause.starts_with("!")) return suggest("!", "!=");
  if (starts_with_digit_or_v_digit(clause)) {
    const std::string version(clause);
    return "it has no operator; write '==" + version +
           "' for exactly this version or '>=" + version + "' for this version or newer";
  }
  return "it does not start with an operator (" + std::string(kOperatorList) +
         ") followed by a version, e.g. '>=1.2' or '>=1.2,<2'";
}

// One clause read: its parts, or the problem that makes it invalid.
struct ClauseResult {
  std::optional<std::string> problem;
  SpecifierOperator op = SpecifierOperator::equal;
  std::optional<Version> version;
  std::string version_text;
  bool wildcard = false;
};

ClauseResult read_clause(std::string_view clause) {
  ClauseResult result;
  const auto spelling =
      std::find_if(kOperators.begin(), kOperators.end(),
                   [&](const OperatorSpelling& s) { return clause.starts_with(s.text); });
  if (spelling == kOperators.end()) {
    result.problem = missing_operator_problem(clause);
    return result;
  }
  const std::string op_text(spelling->text);
  result.op = spelling->op;
  std::string_view rest = trim(clause.substr(spelling->text.size()));

  if (result.op == SpecifierOperator::arbitrary) {
    // `===` compares text; anything but whitespace, `;` and `)` is allowed, even nothing.
    if (rest.find_first_of(" \t\n\r\f\v;)") != std::string_view::npos) {
      result.problem = "the text after '===' must not contain whitespace, ';' or ')'";
      return result;
    }
    result.version_text = std::string(rest);
    if (auto version = parse_version(rest)) result.version = std::move(*version);
    return result;
  }

  if (rest.empty()) {
    result.problem = "'" + op_text + "' needs a version after it, e.g. '" + op_text + "1.2'";
    return result;
  }
  if (std::string_view("=<>!~").find(rest.front()) != std::string_view::npos) {
    result.problem = "unexpected '" + std::string(1, rest.front()) + "' after '" + op_text +
                     "'; write the operator without spaces or extra signs, e.g. '>=1.2' or '==1.2'";
    return result;
  }
  if (std::any_of(rest.begin(), rest.end(), is_space)) {
    result.problem = "there is whitespace inside the version '" + std::string(rest) +
                     "'; separate clauses with commas, e.g. '>=1.0,<2.0'";
    return result;
  }

  const bool may_be_wildcard =
      result.op == SpecifierOperator::equal || result.op == SpecifierOperator::not_equal;
  if (rest.find('*') != std::string_view::npos) {
    if (!may_be_wildcard) {
      result.problem = "a wildcard '.*' is only allowed with '==' and '!=', e.g. '==1.2.*'";
      return result;
    }
    if (!rest.ends_with(".*") || rest.find('*') != rest.size() - 1) {
      result.problem = "the wildcard '.*' must end the version, e.g. '" + op_text + "1.2.*'";
      return result;
    }
    result.wildcard = true;
    rest.remove_suffix(2);
  }

  auto version = parse_version(rest);
  if (!version) {
    result.problem = version.error().message;
    return result;
  }
  result.version_text = std::string(rest);

  if (result.wildcard &&
      (version->pre() || version->post() || version->dev() || version->has_local())) {
    result.problem = "a wildcard '.*' may only follow release numbers, e.g. '" + op_text +
                     "1.2.*' (not a pre-, post-, dev-release or local label)";
    return result;
  }
  if (version->has_local() && !may_be_wildcard) {
    result.problem = "a local version label ('+" + std::string(rest.substr(rest.find('+') + 1)) +
                     "') is only allowed with '==' and '!='";
    return result;
  }
  if (result.op == SpecifierOperator::compatible && version->release().size() < 2) {
    result.problem =
        "'~=' needs a version with at least two release numbers, e.g. '~=1.2' (which means "
        "'>=1.2,==1.*') or '~=1.2.3' (which means '>=1.2.3,==1.2.*')";
    return result;
  }
  result.version = std::move(*version);
  return result;
}

tl::unexpected<Error> invalid_specifier(std::string_view text, std::string_view clause,
                                        const std::string& problem) {
  std::string message = "invalid version specifier '" + std::string(text) + "': ";
  if (trim(text) != clause) message += "in clause '" + std::string(clause) + "', ";
  message += problem;
  return fail(ErrorCode::invalid_input, std::move(message));
}

}  // namespace

Result<Specifier> Specifier::parse(std::string_view clause) {
  return parse_clause(clause, clause);
}

Result<Specifier> Specifier::parse_clause(std::string_view clause, std::string_view context) {
  const std::string_view trimmed = trim(clause);
  if (trimmed.empty()) {
    return invalid_specifier(context, trimmed,
                             "it is empty; write an operator and a version, e.g. '>=1.2'");
  }
  ClauseResult read = read_clause(trimmed);
  if (read.problem) return invalid_specifier(context, trimmed, *read.problem);
  Specifier specifier;
  specifier.op_ = read.op;
  specifier.version_ = std::move(read.version);
  specifier.version_text_ = std::move(read.version_text);
  specifier.wildcard_ = read.wildcard;
  return specifier;
}

Result<SpecifierSet> SpecifierSet::parse(std::string_view text) {
  SpecifierSet set;
  set.text_ = std::string(text);
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    // Empty pieces (`>=1,,<2`, a trailing comma) are skipped, as packaging skips them.
    const std::string_view clause = trim(rest.substr(0, comma));
    if (!clause.empty()) {
      auto specifier = Specifier::parse_clause(clause, text);
      if (!specifier) return tl::unexpected(specifier.error());
      set.clauses_.push_back(std::move(*specifier));
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return set;
}

Result<SpecifierSet> parse_specifier_set(std::string_view text) {
  return SpecifierSet::parse(text);
}

}  // namespace kernels
