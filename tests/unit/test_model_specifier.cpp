#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <toml++/toml.h>

#include "kernels/model/specifier.hpp"
#include "kernels/model/version.hpp"

// Expected values below were checked against Python's packaging 26.3
// (`SpecifierSet(spec).contains(v, prereleases=...)`, `.filter(...)`).

namespace {

kernels::Version v(std::string_view text) {
  auto version = kernels::parse_version(text);
  REQUIRE_MESSAGE(version.has_value(), text);
  return *version;
}

kernels::SpecifierSet spec(std::string_view text) {
  auto set = kernels::parse_specifier_set(text);
  REQUIRE_MESSAGE(set.has_value(), text);
  return *set;
}

std::vector<kernels::Version> versions(std::initializer_list<std::string_view> texts) {
  std::vector<kernels::Version> out;
  for (const auto text : texts)
    out.push_back(v(text));
  return out;
}

std::vector<std::string> strings(const std::vector<kernels::Version>& list) {
  std::vector<std::string> out;
  for (const auto& version : list)
    out.push_back(version.to_string());
  return out;
}

struct MatchRow {
  std::string_view specifier;
  std::string_view version;
  bool matches;  // with pre-releases allowed, i.e. the range alone
};

void check_rows(const std::vector<MatchRow>& rows) {
  for (const auto& row : rows) {
    CAPTURE(row.specifier);
    CAPTURE(row.version);
    CHECK(spec(row.specifier).contains(v(row.version), kernels::Prereleases::include) ==
          row.matches);
  }
}

}  // namespace

TEST_CASE("specifier: == and != with local labels and trailing zeros") {
  check_rows({
      {"==1.0", "1.0", true},
      {"==1.0", "1.0.0", true},
      {"==1.0", "1", true},
      {"==1.0", "1.0+local", true},
      {"==1.0", "1.0.post1", false},
      {"==1.0", "1.0a1", false},
      {"==1.0", "1.0.dev0", false},
      {"==1.0", "1.1", false},
      {"==1.0+abc", "1.0+abc", true},
      {"==1.0+abc", "1.0", false},
      {"==1.0+abc", "1.0+ABC", true},
      {"==1.0+abc", "1.0+abc.1", false},
      {"!=1.0", "1.0", false},
      {"!=1.0", "1.0+local", false},
      {"!=1.0", "1.0.post1", true},
      {"!=1.0", "1.1", true},
      {"!=1.0+abc", "1.0", true},
      {"!=1.0+abc", "1.0+abc", false},
  });
}

TEST_CASE("specifier: ==V.* and !=V.* match release prefixes with zero padding") {
  check_rows({
      {"==1.0.*", "1.0", true},       {"==1.0.*", "1", true},         {"==1.0.*", "1.0.5", true},
      {"==1.0.*", "1.0a1", true},     {"==1.0.*", "1.0.post1", true}, {"==1.0.*", "1.0.dev0", true},
      {"==1.0.*", "1.1.dev0", false}, {"==1.0.*", "1.1", false},      {"==1.0.*", "0.9", false},
      {"==1.0.*", "1!1.0", false},    {"==1.*", "1.99", true},        {"==1.*", "2.0", false},
      {"==1.*", "2.0.dev0", false},   {"==1!1.*", "1!1.5", true},     {"==1!1.*", "1.5", false},
      {"==1.0.0.*", "1", true},       {"==1.0.0.*", "1.0.1", false},  {"!=1.0.*", "1.0.5", false},
      {"!=1.0.*", "1.1", true},       {"!=1.0.*", "1.0a1", false},
  });
}

TEST_CASE("specifier: <= and >= compare, <= ignores the candidate's local label") {
  check_rows({
      {"<=1.0", "1.0", true},
      {"<=1.0", "1.0+local", true},
      {"<=1.0", "1.0.post1", false},
      {"<=1.0", "1.0a1", true},
      {"<=1.0", "0.9", true},
      {">=1.0", "1.0", true},
      {">=1.0", "1.0+local", true},
      {">=1.0", "1.0.dev0", false},
      {">=1.0", "1.0rc1", false},
      {">=1.0", "1.0.post1", true},
      {">=1.0", "2.0a1", true},
  });
}

TEST_CASE("specifier: <V excludes pre-releases of V unless V is one") {
  check_rows({
      {"<1.0", "0.9", true},
      {"<1.0", "1.0rc1", false},
      {"<1.0", "1.0.dev0", false},
      {"<1.0", "0.9+local", true},
      {"<1.0", "1.0", false},
      {"<1.0", "0.9.post1", true},
      {"<1.0rc1", "1.0b2", true},
      {"<1.0rc1", "1.0rc1.dev1", true},
      {"<1.0rc1", "1.0rc1", false},
      {"<1.0.post1", "1.0", true},
      {"<1.0.post1", "1.0.post1.dev0", false},
      {"<1.0.post1", "1.0.post0", true},
      {"<1.0.post1", "1.0a1", true},
  });
}

TEST_CASE("specifier: >V excludes V's post-releases and local versions unless V is a post") {
  check_rows({
      {">1.0", "1.0.post1", false},
      {">1.0", "1.0+local", false},
      {">1.0", "1.0.1", true},
      {">1.0", "1.1.dev0", true},
      {">1.0", "1.0.0.post2", false},
      {">1.0", "1.0", false},
      {">1.0.post1", "1.0.post2", true},
      {">1.0.post1", "1.0.post1+local", false},
      {">1.0.post1", "1.0.post2.dev0", true},
      {">1.0a1", "1.0a1.post1", false},
      {">1.0a1", "1.0a2", true},
      {">1.0a1", "1.0", true},
      {">1.0a1", "1.0a1+local", false},
      {">1.0.dev1", "1.0.dev2", true},
      {">1.0.dev1", "1.0.dev1+local", false},
      {">1.0.dev1", "1.0a1", true},
  });
}

TEST_CASE("specifier: ~= on two and more components, with pre, post and epoch") {
  check_rows({
      {"~=1.2", "1.2", true},
      {"~=1.2", "1.9", true},
      {"~=1.2", "2.0", false},
      {"~=1.2", "2.0.dev0", false},
      {"~=1.2", "2.0a1", false},
      {"~=1.2", "1.1", false},
      {"~=1.2", "1.2.post1", true},
      {"~=1.2", "1.9+local", true},
      {"~=1.4.5", "1.4.5", true},
      {"~=1.4.5", "1.4.99", true},
      {"~=1.4.5", "1.5", false},
      {"~=1.4.5", "1.4.4", false},
      {"~=1.4.5a4", "1.4.5a4", true},
      {"~=1.4.5a4", "1.4.5", true},
      {"~=1.4.5a4", "1.4.6", true},
      {"~=1.4.5a4", "1.5", false},
      {"~=2.2.post3", "2.2.post3", true},
      {"~=2.2.post3", "2.3", true},
      {"~=2.2.post3", "3.0", false},
      {"~=2.2.post3", "2.2", false},
      {"~=1!1.0", "1!1.5", true},
      {"~=1!1.0", "1.5", false},
  });
}

TEST_CASE("specifier: === compares the normalized text, ignoring case") {
  check_rows({
      {"===1.0", "1.0", true},
      {"===1.0", "1.0.0", false},
      {"===1.0", "1.0+local", false},
      {"===foobar", "1.0", false},
      {"===1.0RC1", "1.0rc1", true},
  });
}

TEST_CASE("specifier: a set needs every clause") {
  const auto set = spec(">=1.0, !=1.5.*, <2");
  CHECK(set.contains(v("1.4.9")));
  CHECK_FALSE(set.contains(v("1.5.1")));
  CHECK_FALSE(set.contains(v("2.0")));
  CHECK_FALSE(set.contains(v("0.9")));
}

TEST_CASE("specifier: contains applies the pre-release policy to one version") {
  // A lone pre-release in range matches by default: there is nothing else to prefer.
  CHECK(spec(">=1.0").contains(v("2.0a1")));
  CHECK_FALSE(spec(">=1.0").contains(v("2.0a1"), kernels::Prereleases::exclude));
  CHECK(spec(">=1.0").contains(v("2.0a1"), kernels::Prereleases::include));
  CHECK(spec("").contains(v("1.0a1")));
  CHECK_FALSE(spec("").contains(v("1.0a1"), kernels::Prereleases::exclude));
  CHECK_FALSE(spec("<1.0").contains(v("1.0a1"), kernels::Prereleases::include));
}

TEST_CASE("specifier: filter keeps pre-releases only when named or when no final matches") {
  using kernels::Prereleases;
  struct Row {
    std::string_view specifier;
    std::vector<std::string_view> candidates;
    std::vector<std::string> automatic;
    std::vector<std::string> excluded;
  };
  const std::vector<Row> rows = {
      {">=1.0", {"1.0", "1.5a1", "2.0"}, {"1.0", "2.0"}, {"1.0", "2.0"}},
      {">=1.0", {"0.9", "1.5a1", "2.0b1"}, {"1.5a1", "2.0b1"}, {}},
      {">=1.0", {"0.9"}, {}, {}},
      {">=1.0rc1", {"0.9", "1.0rc1", "1.0", "1.1a1"}, {"1.0rc1", "1.0", "1.1a1"}, {"1.0"}},
      {">=1.0.dev0", {"1.0.dev0", "1.0"}, {"1.0.dev0", "1.0"}, {"1.0"}},
      {">=1.0,<2.0rc1", {"1.0", "2.0b1", "2.0rc1"}, {"1.0", "2.0b1"}, {"1.0"}},
      // `!=` and wildcards never name a pre-release.
      {"!=1.0rc1", {"1.0a1", "1.0"}, {"1.0"}, {"1.0"}},
      {"!=1.0rc1", {"1.0a1", "1.0rc1"}, {"1.0a1"}, {}},
      {"==1.0.*", {"1.0a1", "1.0"}, {"1.0"}, {"1.0"}},
      {"==1.0rc1", {"1.0rc1", "1.0"}, {"1.0rc1"}, {}},
      // The empty set: every final release, or the pre-releases when there is no final.
      {"", {"1.0", "1.1a1", "0.9"}, {"1.0", "0.9"}, {"1.0", "0.9"}},
      {"", {"1.1a1", "1.0.dev0"}, {"1.1a1", "1.0.dev0"}, {}},
      {"", {}, {}, {}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.specifier);
    std::vector<kernels::Version> candidates;
    for (const auto text : row.candidates)
      candidates.push_back(v(text));
    const auto set = spec(row.specifier);
    CHECK(strings(set.filter(candidates)) == row.automatic);
    CHECK(strings(set.filter(candidates, Prereleases::exclude)) == row.excluded);
    std::vector<kernels::Version> in_range;
    for (const auto& candidate : candidates) {
      if (set.contains(candidate, Prereleases::include)) in_range.push_back(candidate);
    }
    CHECK(strings(set.filter(candidates, Prereleases::include)) == strings(in_range));
  }
}

TEST_CASE("specifier: filter_indices gives input positions in input order") {
  const auto candidates = versions({"2.0", "0.5", "1.0", "1.5rc1"});
  CHECK(spec(">=1.0").filter_indices(candidates) == std::vector<std::size_t>{0, 2});
}

TEST_CASE("specifier: whitespace, empty clauses and spellings are accepted as packaging does") {
  for (const std::string_view text :
       {"", "   ", ",", ">= 1.0", " >=1.0 , < 2 ", ">=1.0,,<2", ">=v1.0", "==V1.0", ">=1.0RC1",
        "===", "=== foo", "!=1.0.*", "==1!1.*", "~=1.0.post1.dev2", "==1.0+Ubuntu-1"}) {
    CAPTURE(text);
    CHECK(kernels::parse_specifier_set(text).has_value());
  }
  CHECK(spec("").empty());
  CHECK(spec(" , ").empty());
}

TEST_CASE("specifier: malformed clauses name the clause and a valid form") {
  struct Row {
    std::string_view text;
    std::string_view says;
  };
  const std::vector<Row> rows = {
      {">=", "'>=' needs a version after it, e.g. '>=1.2'"},
      {"=>1.0", "did you mean '>=1.0'?"},
      {"=<1.0", "did you mean '<=1.0'?"},
      {"=1.0", "did you mean '==1.0'?"},
      {"~1.0", "did you mean '~=1.0'?"},
      {"~=1", "'~=' needs a version with at least two release numbers, e.g. '~=1.2'"},
      {"~=1.0.*", "only allowed with '==' and '!='"},
      {"==1.*.2", "the wildcard '.*' must end the version, e.g. '==1.2.*'"},
      {"==1*", "the wildcard '.*' must end the version"},
      {">=1.0.*", "a wildcard '.*' is only allowed with '==' and '!=', e.g. '==1.2.*'"},
      {"==1.0a1.*", "a wildcard '.*' may only follow release numbers"},
      {"==1.0+local.*", "a wildcard '.*' may only follow release numbers"},
      {">=1.0+local", "a local version label ('+local') is only allowed with '==' and '!='"},
      {"~=1.0+local", "only allowed with '==' and '!='"},
      {"1.0", "it has no operator; write '==1.0'"},
      {"foo", "it does not start with an operator"},
      {"> = 1.0", "unexpected '=' after '>'; write the operator without spaces"},
      {"==>1.0", "unexpected '>' after '=='"},
      {">=1.0 <2.0", "separate clauses with commas"},
      {">=abc", "invalid version 'abc'"},
      {"<1.0;", "invalid version '1.0;'"},
      {"===a;b", "must not contain whitespace, ';' or ')'"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    const auto set = kernels::parse_specifier_set(row.text);
    REQUIRE_FALSE(set.has_value());
    CHECK(set.error().code == kernels::ErrorCode::invalid_input);
    const std::string& message = set.error().message;
    CHECK(message.find("invalid version specifier '" + std::string(row.text) + "'") == 0);
    CHECK(message.find(row.says) != std::string::npos);
  }
  // In a list, the message quotes the whole text and names the bad clause.
  const auto set = kernels::parse_specifier_set(">=0.1.0, =>2");
  REQUIRE_FALSE(set.has_value());
  CHECK(set.error().message ==
        "invalid version specifier '>=0.1.0, =>2': in clause '=>2', '=>' is not an operator; did "
        "you mean '>=2'? (operators: ==, !=, <=, >=, <, >, ~=, ===)");
}

TEST_CASE("specifier: canonical text sorts, dedups and normalizes the clauses") {
  CHECK(spec(">0.1.0,<0.2.0").to_string() == "<0.2.0,>0.1.0");
  CHECK(spec(" < 0.2.0 , >0.1.0, <0.2.0").to_string() == "<0.2.0,>0.1.0");
  CHECK(spec(">=v1.0RC1").to_string() == ">=1.0rc1");
  CHECK(spec("==V1.0.*").to_string() == "==1.0.*");
  CHECK(spec("==1.0+Ubuntu-1").to_string() == "==1.0+ubuntu.1");
  CHECK(spec("=== Foo").to_string() == "===Foo");
  CHECK(spec("").to_string().empty());
  CHECK(spec(">0.1.0,<0.2.0").text() == ">0.1.0,<0.2.0");
  // The canonical text reads back as the same set.
  for (const std::string_view text : {">=1.0,<2,!=1.5.*", "~=1.2.3", "==1!2.0+abc.5", ""}) {
    CAPTURE(text);
    CHECK(spec(spec(text).to_string()) == spec(text));
  }
}

TEST_CASE("specifier: equality ignores order, duplicates and trailing zeros except in ~=") {
  CHECK(spec(">=1.0,<2") == spec("<2.0.0, >=1"));
  CHECK(spec(">=1.0,>=1.0.0") == spec(">=1"));
  CHECK(spec("==1.0+abc") == spec("==1.0.0+ABC"));
  CHECK_FALSE(spec("~=1.0") == spec("~=1.0.0"));
  CHECK_FALSE(spec("==1.0.*") == spec("==1.0.0.*"));
  CHECK_FALSE(spec(">=1.0") == spec(">1.0"));
  CHECK(spec("") == spec(" , "));
}

TEST_CASE("specifier: clauses expose their parts") {
  const auto set = spec("~=1.2, ==1.0.*, ===foo");
  REQUIRE(set.clauses().size() == 3);
  CHECK(set.clauses()[0].op() == kernels::SpecifierOperator::compatible);
  CHECK(set.clauses()[0].version()->to_string() == "1.2");
  CHECK(set.clauses()[1].is_wildcard());
  CHECK(set.clauses()[1].version_text() == "1.0");
  CHECK(set.clauses()[2].op() == kernels::SpecifierOperator::arbitrary);
  CHECK_FALSE(set.clauses()[2].version().has_value());
  CHECK(kernels::to_string(kernels::SpecifierOperator::arbitrary) == "===");
  CHECK(spec(">=1.0rc1").names_prerelease());
  CHECK(spec("===1.0a1").names_prerelease());
  CHECK_FALSE(spec("!=1.0rc1").names_prerelease());
  CHECK_FALSE(spec(">=1.0").names_prerelease());
  const auto single = kernels::Specifier::parse("  <= 2.0 ");
  REQUIRE(single.has_value());
  CHECK(single->to_string() == "<=2.0");
  CHECK_FALSE(kernels::Specifier::parse(" ").has_value());
}

TEST_CASE("specifier: the reference's v0.9.0 fixture requirements parse and select") {
  // v0.9.0 projects wrote specifier strings under [tool.kernels.dependencies].
  const std::filesystem::path root =
      std::filesystem::path(KERNELS_FIXTURES_DIR) / "reference-locks";
  std::vector<std::string> requirements;
  for (const char* folder : {"v0.9.0-kernel_locking", "v0.9.0-layer_locking"}) {
    const auto table = toml::parse_file((root / folder / "pyproject.toml").string());
    const auto* dependencies = table["tool"]["kernels"]["dependencies"].as_table();
    REQUIRE(dependencies != nullptr);
    for (const auto& [repo, value] : *dependencies) {
      const auto text = value.value<std::string>();
      REQUIRE(text.has_value());
      requirements.push_back(*text);
    }
  }
  CHECK(requirements == std::vector<std::string>{">=0.0.2", ">=0.0.2", ">=0.1.0,<0.2.0"});
  CHECK(strings(spec(">=0.0.2").filter(versions({"0.0.1", "0.0.2", "0.1.0"}))) ==
        std::vector<std::string>{"0.0.2", "0.1.0"});
  CHECK(strings(spec(">=0.1.0,<0.2.0").filter(versions({"0.1.0", "0.1.1", "0.2.0"}))) ==
        std::vector<std::string>{"0.1.0", "0.1.1"});
}
