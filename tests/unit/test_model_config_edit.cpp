#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "kernels/model/config_edit.hpp"

using kernels::ConfigEdit;
using kernels::ConfigFormat;
using kernels::Dependency;
using kernels::DependencyChange;
using kernels::ErrorCode;
using kernels::MajorVersion;
using kernels::Requirement;
using kernels::Revision;
using kernels::VersionSpecifier;

namespace {

std::string file_name(ConfigFormat format) {
  return format == ConfigFormat::pyproject ? "pyproject.toml" : "kernels.toml";
}

ConfigEdit set(std::string_view text, const std::string& repo_id, const Requirement& requirement,
               ConfigFormat format = ConfigFormat::pyproject) {
  CAPTURE(text);
  auto edit =
      kernels::set_dependency(text, format, file_name(format), Dependency{repo_id, requirement});
  if (!edit) FAIL(edit.error().describe());
  return *edit;
}

ConfigEdit removed(std::string_view text, std::string_view repo_id,
                   ConfigFormat format = ConfigFormat::pyproject) {
  CAPTURE(text);
  auto edit = kernels::remove_dependency(text, format, file_name(format), repo_id);
  if (!edit) FAIL(edit.error().describe());
  return *edit;
}

std::string crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// A pyproject.toml as projects write them: comments everywhere, other tables before and after.
constexpr std::string_view kPyproject = R"(# The demo project.
[project]
name = "demo"  # its name
dependencies = ["torch>=2.0", "numpy"]

[tool.kernels.dependencies]  # kernels from the Hub
# activations
"kernels-community/activation" = 1  # pinned major
"kernels-community/relu" = ">=0.1,<0.2"

# this comment is about the next table
[tool.ruff]
line-length = 100
)";

}  // namespace

TEST_CASE("config edit: a new entry goes after the last entry, before comments of the next table") {
  const ConfigEdit edit = set(kPyproject, "org/new", MajorVersion{2});
  CHECK(edit.change == DependencyChange::added);
  CHECK_FALSE(edit.previous.has_value());
  CHECK_FALSE(edit.created_table);
  CHECK(edit.text == R"(# The demo project.
[project]
name = "demo"  # its name
dependencies = ["torch>=2.0", "numpy"]

[tool.kernels.dependencies]  # kernels from the Hub
# activations
"kernels-community/activation" = 1  # pinned major
"kernels-community/relu" = ">=0.1,<0.2"
"org/new" = 2

# this comment is about the next table
[tool.ruff]
line-length = 100
)");
}

TEST_CASE("config edit: an existing entry's value is replaced in place, its comment kept") {
  const ConfigEdit edit =
      set(kPyproject, "kernels-community/activation", VersionSpecifier{">=2.0,<3.0"});
  CHECK(edit.change == DependencyChange::updated);
  REQUIRE(edit.previous.has_value());
  CHECK(*edit.previous == Requirement{MajorVersion{1}});
  std::string expected(kPyproject);
  const std::string old_line = "\"kernels-community/activation\" = 1  # pinned major";
  expected.replace(expected.find(old_line), old_line.size(),
                   "\"kernels-community/activation\" = \">=2.0,<3.0\"  # pinned major");
  CHECK(edit.text == expected);

  const ConfigEdit revision = set(kPyproject, "kernels-community/relu", Revision{"abc123"});
  CHECK(revision.text.find("\"kernels-community/relu\" = { revision = \"abc123\" }\n\n#") !=
        std::string::npos);
}

TEST_CASE("config edit: a table value or a string with '#' is replaced whole") {
  const std::string text =
      "[dependencies]\n\"org/a\"={revision=\"x#y\"}# was a table\n\"org/b\" = '>=1 # no' # c\n";
  CHECK(set(text, "org/a", MajorVersion{2}, ConfigFormat::kernels_toml).text ==
        "[dependencies]\n\"org/a\"=2# was a table\n\"org/b\" = '>=1 # no' # c\n");
  CHECK(set(text, "org/b", Revision{"v1"}, ConfigFormat::kernels_toml).text ==
        "[dependencies]\n\"org/a\"={revision=\"x#y\"}# was a table\n\"org/b\" = { revision = "
        "\"v1\" } # c\n");
}

TEST_CASE("config edit: the same requirement again changes nothing, whatever its spelling") {
  const std::string text = "[tool.kernels.dependencies]\n\"org/a\" = { version = 1 }  # x\n";
  const ConfigEdit edit = set(text, "org/a", MajorVersion{1});
  CHECK(edit.change == DependencyChange::unchanged);
  CHECK(edit.text == text);
}

TEST_CASE("config edit: remove deletes exactly the entry's line") {
  const ConfigEdit edit = removed(kPyproject, "kernels-community/activation");
  CHECK(edit.change == DependencyChange::removed);
  REQUIRE(edit.previous.has_value());
  CHECK(*edit.previous == Requirement{MajorVersion{1}});
  std::string expected(kPyproject);
  const std::string old_line = "\"kernels-community/activation\" = 1  # pinned major\n";
  expected.erase(expected.find(old_line), old_line.size());
  CHECK(edit.text == expected);

  // The last one: the table stays, empty.
  const ConfigEdit last =
      removed("[dependencies]\n\"org/a\" = 1\n", "org/a", ConfigFormat::kernels_toml);
  CHECK(last.text == "[dependencies]\n");
}

TEST_CASE("config edit: CRLF files stay CRLF") {
  const std::string text = crlf(kPyproject);
  CHECK(set(text, "org/new", MajorVersion{2}).text ==
        crlf(set(kPyproject, "org/new", MajorVersion{2}).text));
  CHECK(set(text, "kernels-community/relu", MajorVersion{3}).text ==
        crlf(set(kPyproject, "kernels-community/relu", MajorVersion{3}).text));
  CHECK(removed(text, "kernels-community/relu").text ==
        crlf(removed(kPyproject, "kernels-community/relu").text));
  CHECK(set(crlf("[project]\nname = \"x\"\n"), "org/a", MajorVersion{1}).text ==
        crlf("[project]\nname = \"x\"\n\n[tool.kernels.dependencies]\n\"org/a\" = 1\n"));
}

TEST_CASE("config edit: single-quoted, escaped and bare keys are found") {
  const std::string text =
      "[dependencies]\n'org/a' = 1\n\"org/\\u0062\" = 2 # b\nplain-key = 3\n[x]\n";
  // `plain-key` is not a repo id, so the file does not parse: keep it out of the real tests.
  CHECK_FALSE(kernels::set_dependency(text, ConfigFormat::kernels_toml, "kernels.toml",
                                      Dependency{"org/a", MajorVersion{1}}));
  const std::string valid = "[dependencies]\n'org/a' = 1\n\"org/\\u0062\" = 2 # b\n[x]\n";
  CHECK(set(valid, "org/a", MajorVersion{5}, ConfigFormat::kernels_toml).text ==
        "[dependencies]\n'org/a' = 5\n\"org/\\u0062\" = 2 # b\n[x]\n");
  CHECK(set(valid, "org/b", MajorVersion{5}, ConfigFormat::kernels_toml).text ==
        "[dependencies]\n'org/a' = 1\n\"org/\\u0062\" = 5 # b\n[x]\n");
  CHECK(removed(valid, "org/b", ConfigFormat::kernels_toml).text ==
        "[dependencies]\n'org/a' = 1\n[x]\n");
}

TEST_CASE("config edit: a missing table is created at the end, or after [tool.kernels]") {
  SUBCASE("empty files") {
    const ConfigEdit edit = set("", "org/a", MajorVersion{1}, ConfigFormat::kernels_toml);
    CHECK(edit.created_table);
    CHECK(edit.text == "[dependencies]\n\"org/a\" = 1\n");
    CHECK(set("", "org/a", VersionSpecifier{">=1"}).text ==
          "[tool.kernels.dependencies]\n\"org/a\" = \">=1\"\n");
  }
  SUBCASE("at the end, after one blank line") {
    CHECK(set("[project]\nname = \"x\"\n", "org/a", MajorVersion{1}).text ==
          "[project]\nname = \"x\"\n\n[tool.kernels.dependencies]\n\"org/a\" = 1\n");
    CHECK(set("[project]\nname = \"x\"\n\n", "org/a", MajorVersion{1}).text ==
          "[project]\nname = \"x\"\n\n[tool.kernels.dependencies]\n\"org/a\" = 1\n");
    CHECK(set("# only a comment", "org/a", MajorVersion{1}, ConfigFormat::kernels_toml).text ==
          "# only a comment\n\n[dependencies]\n\"org/a\" = 1");
  }
  SUBCASE("after the keys of [tool.kernels]") {
    const std::string text =
        "[tool.kernels]\nmode = \"x\"  # other key\n\n# about ruff\n[tool.ruff]\nline = 1\n";
    CHECK(set(text, "org/a", MajorVersion{1}).text ==
          "[tool.kernels]\nmode = \"x\"  # other key\n\n[tool.kernels.dependencies]\n"
          "\"org/a\" = 1\n\n# about ruff\n[tool.ruff]\nline = 1\n");
    CHECK(set("[tool.kernels]\n[tool.ruff]\n", "org/a", MajorVersion{1}).text ==
          "[tool.kernels]\n\n[tool.kernels.dependencies]\n\"org/a\" = 1\n[tool.ruff]\n");
  }
  SUBCASE("an empty table gets its first entry right after the header") {
    CHECK(set("[dependencies] # none yet\n\n[other]\n", "org/a", MajorVersion{1},
              ConfigFormat::kernels_toml)
              .text == "[dependencies] # none yet\n\"org/a\" = 1\n\n[other]\n");
  }
}

TEST_CASE("config edit: whitespace variants, indentation and tabs") {
  const std::string text =
      "[ tool . kernels . \"dependencies\" ]\n  \"org/a\"   =   1   # spaced\n\t\n[x]\n";
  CHECK(set(text, "org/a", MajorVersion{2}).text ==
        "[ tool . kernels . \"dependencies\" ]\n  \"org/a\"   =   2   # spaced\n\t\n[x]\n");
  CHECK(set(text, "org/b", MajorVersion{2}).text ==
        "[ tool . kernels . \"dependencies\" ]\n  \"org/a\"   =   1   # spaced\n  \"org/b\" = "
        "2\n\t\n[x]\n");
  CHECK(set("[dependencies]\n\t\"org/a\"=1\n", "org/b", MajorVersion{3}, ConfigFormat::kernels_toml)
            .text == "[dependencies]\n\t\"org/a\"=1\n\t\"org/b\" = 3\n");
}

TEST_CASE("config edit: the same key in another table is left alone") {
  const std::string text =
      "[other]\n\"org/a\" = 5\n\n[dependencies]\n\"org/a\" = 1\n\n[more.dependencies]\n"
      "\"org/a\" = 7\n";
  CHECK(set(text, "org/a", MajorVersion{2}, ConfigFormat::kernels_toml).text ==
        "[other]\n\"org/a\" = 5\n\n[dependencies]\n\"org/a\" = 2\n\n[more.dependencies]\n"
        "\"org/a\" = 7\n");
  CHECK(removed(text, "org/a", ConfigFormat::kernels_toml).text ==
        "[other]\n\"org/a\" = 5\n\n[dependencies]\n\n[more.dependencies]\n\"org/a\" = 7\n");
  // A Python project's own `dependencies` key is not the kernel table.
  CHECK(set("[project]\ndependencies = [\"numpy\"]\n", "org/a", MajorVersion{1},
            ConfigFormat::kernels_toml)
            .text == "[project]\ndependencies = [\"numpy\"]\n\n[dependencies]\n\"org/a\" = 1\n");
}

TEST_CASE("config edit: headers inside strings and multi-line arrays are not headers") {
  const std::string text =
      "[project]\nreadme = \"\"\"\n[tool.kernels.dependencies]\n\"fake/one\" = 1\n\"\"\"\n"
      "classifiers = [\n  \"A\",  # a comment with [brackets]\n  '''\n[x]''',\n]\n";
  const ConfigEdit edit = set(text, "org/a", MajorVersion{1});
  CHECK(edit.created_table);
  CHECK(edit.text == text + "\n[tool.kernels.dependencies]\n\"org/a\" = 1\n");
}

TEST_CASE("config edit: a file without a final newline keeps not having one") {
  CHECK(set("[dependencies]\n\"org/a\" = 1", "org/b", MajorVersion{2}, ConfigFormat::kernels_toml)
            .text == "[dependencies]\n\"org/a\" = 1\n\"org/b\" = 2");
  CHECK(removed("[dependencies]\n\"org/a\" = 1\n\"org/b\" = 2", "org/b", ConfigFormat::kernels_toml)
            .text == "[dependencies]\n\"org/a\" = 1");
  CHECK(set("[dependencies]", "org/b", MajorVersion{2}, ConfigFormat::kernels_toml).text ==
        "[dependencies]\n\"org/b\" = 2");
}

TEST_CASE("config edit: a UTF-8 byte order mark stays in front") {
  const std::string bom = "\xEF\xBB\xBF";
  CHECK(set(bom + "[dependencies]\n\"org/a\" = 1\n", "org/a", MajorVersion{4},
            ConfigFormat::kernels_toml)
            .text == bom + "[dependencies]\n\"org/a\" = 4\n");
  CHECK(
      removed(bom + "\"x\" = 1\n[dependencies]\n\"org/a\" = 1", "org/a", ConfigFormat::kernels_toml)
          .text == bom + "\"x\" = 1\n[dependencies]");
}

TEST_CASE("config edit: values are written as TOML the reader reads back") {
  CHECK(kernels::toml_requirement_value(MajorVersion{3}) == "3");
  CHECK(kernels::toml_requirement_value(VersionSpecifier{">=2.0,<3.0"}) == "\">=2.0,<3.0\"");
  CHECK(kernels::toml_requirement_value(Revision{"we\"ird\\name"}) ==
        "{ revision = \"we\\\"ird\\\\name\" }");
  // set_dependency checks the round trip itself; this one must survive it.
  CHECK(set("", "org/a", Revision{"we\"ird\\name"}).change == DependencyChange::added);
}

TEST_CASE("config edit: forms other than one line per kernel are refused, saying how to fix") {
  struct Case {
    std::string text;
    std::string location;
  };
  const Case cases[] = {
      {"[tool.kernels]\ndependencies = { \"org/a\" = 1 }\n", "pyproject.toml:2"},
      {"tool.kernels.dependencies.\"org/a\" = 1\n", "pyproject.toml:1"},
      {"[tool]\nkernels = { mode = \"x\" }\n", "pyproject.toml:2"},
      {"[tool.kernels.dependencies]\n\"org/a\".version = 1\n", "pyproject.toml:2"},
      {"[tool.kernels.dependencies.\"org/a\"]\nrevision = \"main\"\n", "pyproject.toml:1"},
  };
  for (const Case& item : cases) {
    CAPTURE(item.text);
    const auto edit = kernels::set_dependency(item.text, ConfigFormat::pyproject, "pyproject.toml",
                                              Dependency{"org/b", MajorVersion{1}});
    REQUIRE_FALSE(edit.has_value());
    CHECK(edit.error().code == ErrorCode::invalid_input);
    CHECK(edit.error().location == item.location);
    CHECK(edit.error().message.find("rewrite them as a [tool.kernels.dependencies] table") !=
          std::string::npos);
    CHECK_FALSE(
        kernels::remove_dependency(item.text, ConfigFormat::pyproject, "pyproject.toml", "org/a"));
  }
}

TEST_CASE("config edit: a value over several lines is refused for that entry only") {
  const std::string text = "[dependencies]\n\"org/a\" = \"\"\">=1,\n<2\"\"\"\n\"org/b\" = 1\n";
  for (const bool remove : {false, true}) {
    const auto edit =
        remove
            ? kernels::remove_dependency(text, ConfigFormat::kernels_toml, "kernels.toml", "org/a")
            : kernels::set_dependency(text, ConfigFormat::kernels_toml, "kernels.toml",
                                      Dependency{"org/a", MajorVersion{1}});
    REQUIRE_FALSE(edit.has_value());
    CHECK(edit.error().code == ErrorCode::invalid_input);
    CHECK(edit.error().location == "kernels.toml:2");
    CHECK(edit.error().message.find("spans several lines") != std::string::npos);
  }
  CHECK(set(text, "org/b", MajorVersion{2}, ConfigFormat::kernels_toml).text ==
        "[dependencies]\n\"org/a\" = \"\"\">=1,\n<2\"\"\"\n\"org/b\" = 2\n");
}

TEST_CASE("config edit: removing a repo that is not a dependency names it and the others") {
  const auto edit = kernels::remove_dependency(kPyproject, ConfigFormat::pyproject,
                                               "pyproject.toml", "org/missing");
  REQUIRE_FALSE(edit.has_value());
  CHECK(edit.error().code == ErrorCode::not_found);
  CHECK(edit.error().message ==
        "'org/missing' is not a dependency of the project; its dependencies are: "
        "kernels-community/activation, kernels-community/relu");
  const auto none =
      kernels::remove_dependency("", ConfigFormat::kernels_toml, "kernels.toml", "org/a");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message.find("it has none") != std::string::npos);
}

TEST_CASE("config edit: an invalid file is reported as the reader reports it") {
  const auto edit =
      kernels::set_dependency("[dependencies]\n\"org/a\" = 1.5\n", ConfigFormat::kernels_toml,
                              "kernels.toml", Dependency{"org/b", MajorVersion{1}});
  REQUIRE_FALSE(edit.has_value());
  CHECK(edit.error().code == ErrorCode::invalid_input);
  CHECK(edit.error().location == "kernels.toml:2:11");
  CHECK_FALSE(kernels::set_dependency("[dependencies\n", ConfigFormat::kernels_toml, "kernels.toml",
                                      Dependency{"org/b", MajorVersion{1}}));
}

TEST_CASE("config edit: change names") {
  CHECK(kernels::to_string(DependencyChange::added) == "added");
  CHECK(kernels::to_string(DependencyChange::updated) == "updated");
  CHECK(kernels::to_string(DependencyChange::unchanged) == "unchanged");
  CHECK(kernels::to_string(DependencyChange::removed) == "removed");
}
