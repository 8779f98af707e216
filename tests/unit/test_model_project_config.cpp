#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "kernels/model/project_config.hpp"

#include "scratch_dir.hpp"

using kernels::ConfigFormat;
using kernels::Dependency;
using kernels::ErrorCode;
using kernels::MajorVersion;
using kernels::ProjectConfig;
using kernels::Revision;
using kernels::VersionSpecifier;
using kernels::testing::ScratchDir;

namespace {

const std::filesystem::path kReferenceLocks =
    std::filesystem::path(KERNELS_FIXTURES_DIR) / "reference-locks";

ProjectConfig parsed_pyproject(std::string_view text) {
  auto result = kernels::parse_project_config(text, ConfigFormat::pyproject, "pyproject.toml");
  if (!result) FAIL(result.error().describe());
  return *result;
}

// Parses `text` as pyproject.toml and checks the error's kind, location and a message fragment.
void check_error(std::string_view text, const std::string& location, const std::string& fragment,
                 ConfigFormat format = ConfigFormat::pyproject) {
  CAPTURE(text);
  const std::string file_name =
      format == ConfigFormat::pyproject ? "pyproject.toml" : "kernels.toml";
  const auto result = kernels::parse_project_config(text, format, file_name);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_input);
  CHECK(result.error().location == location);
  CHECK_MESSAGE(result.error().message.find(fragment) != std::string::npos, result.error().message);
}

}  // namespace

TEST_CASE("project config: the reference fixtures' dependencies, in file order") {
  struct Fixture {
    const char* folder;
    std::vector<Dependency> dependencies;
  };
  const std::vector<Fixture> fixtures = {
      {"kernel_locking",
       {{"kernels-community/relu", MajorVersion{1}}, {"kernels-test/versions", MajorVersion{2}}}},
      {"layer_locking", {{"kernels-test/versions", MajorVersion{2}}}},
      {"v0.9.0-kernel_locking",
       {{"kernels-community/activation", VersionSpecifier{">=0.0.2"}},
        {"kernels-community/triton-scaled-mm", VersionSpecifier{">=0.0.2"}}}},
      {"v0.9.0-layer_locking", {{"kernels-test/versions", VersionSpecifier{">=0.1.0,<0.2.0"}}}},
  };
  for (const Fixture& fixture : fixtures) {
    CAPTURE(fixture.folder);
    const auto config = kernels::load_project_config(kReferenceLocks / fixture.folder);
    REQUIRE_MESSAGE(config.has_value(), config.error().describe());
    CHECK(config->path == kReferenceLocks / fixture.folder / "pyproject.toml");
    CHECK(config->format == ConfigFormat::pyproject);
    CHECK(config->declares_dependencies);
    CHECK(config->dependencies == fixture.dependencies);
  }
}

TEST_CASE("project config: order is the document's order, not the key order") {
  const ProjectConfig config = parsed_pyproject(R"([project]
name = "demo"

[tool.kernels.dependencies]
"zeta/last-alphabetically" = 3
"alpha/first-alphabetically" = ">=1.0"
"mid/m" = { revision = "main" }

[tool.kernels.dependencies."beta/b"]
version = 4
)");
  const std::vector<Dependency> expected = {
      {"zeta/last-alphabetically", MajorVersion{3}},
      {"alpha/first-alphabetically", VersionSpecifier{">=1.0"}},
      {"mid/m", Revision{"main"}},
      {"beta/b", MajorVersion{4}},
  };
  CHECK(config.dependencies == expected);
  REQUIRE(config.find("mid/m") != nullptr);
  CHECK(config.find("mid/m")->requirement == kernels::Requirement{Revision{"main"}});
  CHECK(config.find("other/x") == nullptr);
}

TEST_CASE("project config: every value form") {
  const ProjectConfig config = parsed_pyproject(R"([tool.kernels.dependencies]
"a/int" = 0
"a/spec" = "~=1.2"
"a/star" = "==1.2.*"
"a/table-int" = { version = 7 }
"a/table-spec" = { version = ">=0.1.0,<0.2.0" }
"a/sha" = { revision = "f609e51b856b3d874b0ae8445913e200f02c1735" }
)");
  const std::vector<Dependency> expected = {
      {"a/int", MajorVersion{0}},
      {"a/spec", VersionSpecifier{"~=1.2"}},
      {"a/star", VersionSpecifier{"==1.2.*"}},
      {"a/table-int", MajorVersion{7}},
      {"a/table-spec", VersionSpecifier{">=0.1.0,<0.2.0"}},
      {"a/sha", Revision{"f609e51b856b3d874b0ae8445913e200f02c1735"}},
  };
  CHECK(config.dependencies == expected);
  CHECK(kernels::describe(expected[0].requirement) == "version 0 (branch v0)");
  CHECK(kernels::describe(expected[1].requirement) == "version ~=1.2");
  CHECK(kernels::describe(expected[5].requirement) ==
        "revision f609e51b856b3d874b0ae8445913e200f02c1735");
}

TEST_CASE("project config: kernels.toml uses a top-level [dependencies] table") {
  const auto config = kernels::parse_project_config(R"(
[dependencies]
"kernels-community/relu" = 1
"kernels-community/activation" = { version = 2 }
)",
                                                    ConfigFormat::kernels_toml, "kernels.toml");
  REQUIRE_MESSAGE(config.has_value(), config.error().describe());
  CHECK(config->format == ConfigFormat::kernels_toml);
  CHECK(config->path == "kernels.toml");
  CHECK(config->dependencies ==
        std::vector<Dependency>{{"kernels-community/relu", MajorVersion{1}},
                                {"kernels-community/activation", MajorVersion{2}}});
  // In kernels.toml, [tool.kernels.dependencies] is not where dependencies go.
  const auto other = kernels::parse_project_config("[tool.kernels.dependencies]\n\"a/b\" = 1\n",
                                                   ConfigFormat::kernels_toml, "kernels.toml");
  REQUIRE(other.has_value());
  CHECK_FALSE(other->declares_dependencies);
  CHECK(other->dependencies.empty());
}

TEST_CASE("project config: a pyproject.toml without [tool.kernels] has no dependencies") {
  const ProjectConfig none =
      parsed_pyproject("[project]\nname = \"x\"\n[tool.ruff]\nline-length = 1\n");
  CHECK_FALSE(none.declares_dependencies);
  CHECK(none.dependencies.empty());
  const ProjectConfig empty_table = parsed_pyproject("[tool.kernels.dependencies]\n");
  CHECK(empty_table.declares_dependencies);
  CHECK(empty_table.dependencies.empty());
  const ProjectConfig other_keys = parsed_pyproject("[tool.kernels]\nmapping = 1\n");
  CHECK_FALSE(other_keys.declares_dependencies);
}

TEST_CASE("project config: TOML syntax errors give file, line and column") {
  check_error("[tool.kernels.dependencies]\n\"a/b\" = 1\n\"c/d\" = \n", "pyproject.toml:3:9",
              "invalid TOML");
  // toml++ points after the repeated key-value pair.
  check_error("[tool.kernels.dependencies]\n\"a/b\" = 1\n\"a/b\" = 2\n", "pyproject.toml:3:9",
              "cannot redefine existing");
  check_error("[dependencies]\nx = [1,\n  y]\n", "kernels.toml:3:3", "invalid TOML",
              ConfigFormat::kernels_toml);
}

TEST_CASE("project config: wrong value types name the type and the accepted forms") {
  check_error("[tool.kernels.dependencies]\n\"a/b\" = 1.5\n", "pyproject.toml:2:9",
              "the requirement of 'a/b' must be an integer major version (e.g. 1), a version "
              "specifier string");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = 1.5\n", "pyproject.toml:2:9",
              "found a float");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = true\n", "pyproject.toml:2:9",
              "found a boolean");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = [1, 2]\n", "pyproject.toml:2:9",
              "found an array");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = 1979-05-27\n", "pyproject.toml:2:9",
              "found a date");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = { version = 1.0 }\n", "pyproject.toml:2:21",
              "`version` of 'a/b' must be an integer major version or a specifier string, found a "
              "float");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = { revision = 3 }\n", "pyproject.toml:2:22",
              "`revision` of 'a/b' must be a string");
}

TEST_CASE("project config: a table has exactly one of version and revision, nothing else") {
  check_error("[tool.kernels.dependencies]\n\"a/b\" = { version = 1, revision = \"main\" }\n",
              "pyproject.toml:2:9", "has both `version` and `revision`; keep exactly one");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = {}\n", "pyproject.toml:2:9",
              "needs `version` (e.g. { version = 1 }) or `revision`");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = { version = 1, branch = \"x\" }\n",
              "pyproject.toml:2:24",
              "unknown key 'branch' in the table of 'a/b'; only `version` and `revision`");
  check_error("[tool.kernels.dependencies.\"a/b\"]\nrevision = \"main\"\nversion = 2\n",
              "pyproject.toml:1:1", "has both");
}

TEST_CASE("project config: versions are not negative, revisions and specifiers not empty") {
  check_error("[tool.kernels.dependencies]\n\"a/b\" = -1\n", "pyproject.toml:2:9",
              "the major version of 'a/b' must be 0 or more, found -1");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = { version = -2 }\n", "pyproject.toml:2:21",
              "must be 0 or more, found -2");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = 4294967296\n", "pyproject.toml:2:9",
              "too large");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = { revision = \"\" }\n", "pyproject.toml:2:22",
              "the revision is empty");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = { revision = \"my branch\" }\n",
              "pyproject.toml:2:22", "whitespace");
  check_error("[tool.kernels.dependencies]\n\"a/b\" = \"  \"\n", "pyproject.toml:2:9",
              "the version specifier of 'a/b' is empty");
}

TEST_CASE("project config: keys must be Hub repo ids") {
  check_error("[tool.kernels.dependencies]\n\"a/b\" = 1\nrelu = 1\n", "pyproject.toml:3:1",
              "invalid repo id 'relu'");
  // A dotted bare key is a nested table in TOML, not a repo id.
  check_error("[tool.kernels.dependencies]\nkernels-community.relu = 1\n", "pyproject.toml:2:1",
              "a dependency key is a quoted Hub repo id");
  check_error("[dependencies]\n\"a/b--c\" = 1\n", "kernels.toml:2:1", "'--' and '..'",
              ConfigFormat::kernels_toml);
}

TEST_CASE("project config: the tables on the way must be tables") {
  check_error("tool = 3\n", "pyproject.toml:1:8", "`tool` must be a table, found an integer");
  check_error("[tool]\nkernels = \"x\"\n", "pyproject.toml:2:11", "`tool.kernels` must be a table");
  check_error("[tool.kernels]\ndependencies = [\"a/b\"]\n", "pyproject.toml:2:16",
              "`tool.kernels.dependencies` must be a table, found an array");
  check_error("dependencies = 1\n", "kernels.toml:1:16", "`dependencies` must be a table",
              ConfigFormat::kernels_toml);
}

TEST_CASE("project config: oversized files are refused") {
  const std::string huge(kernels::kMaxProjectConfigBytes + 1, '#');
  check_error(huge, "pyproject.toml", "larger than 16 MiB");
}

TEST_CASE("project config: load picks the file that declares dependencies") {
  const ScratchDir dir;
  const auto pyproject = dir.path() / "pyproject.toml";
  const auto kernels_toml = dir.path() / "kernels.toml";

  const auto nothing = kernels::load_project_config(dir.path());
  REQUIRE_FALSE(nothing.has_value());
  CHECK(nothing.error().code == ErrorCode::not_found);
  CHECK(nothing.error().location == dir.path().string());
  CHECK(nothing.error().message.find("No kernels.toml or pyproject.toml found in: " +
                                     dir.path().string()) != std::string::npos);
  CHECK(nothing.error().message.find("[tool.kernels.dependencies]") != std::string::npos);

  dir.write("pyproject.toml", "[project]\nname = \"x\"\n");
  const auto python_only = kernels::load_project_config(dir.path());
  REQUIRE_MESSAGE(python_only.has_value(), python_only.error().describe());
  CHECK(python_only->path == pyproject);
  CHECK_FALSE(python_only->declares_dependencies);

  dir.write("kernels.toml", "[dependencies]\n\"a/b\" = 1\n");
  const auto ours = kernels::load_project_config(dir.path());
  REQUIRE_MESSAGE(ours.has_value(), ours.error().describe());
  CHECK(ours->path == kernels_toml);
  CHECK(ours->format == ConfigFormat::kernels_toml);
  CHECK(ours->dependencies == std::vector<Dependency>{{"a/b", MajorVersion{1}}});

  dir.write("pyproject.toml", "[tool.kernels.dependencies]\n\"c/d\" = 2\n");
  const auto both = kernels::load_project_config(dir.path());
  REQUIRE_FALSE(both.has_value());
  CHECK(both.error().code == ErrorCode::invalid_input);
  CHECK(both.error().location == kernels_toml.string());
  CHECK(both.error().message.find("both kernels.toml ([dependencies]) and pyproject.toml") !=
        std::string::npos);
  CHECK(both.error().message.find("keep one") != std::string::npos);

  dir.write("kernels.toml", "# settings only\n");
  const auto python_declares = kernels::load_project_config(dir.path());
  REQUIRE_MESSAGE(python_declares.has_value(), python_declares.error().describe());
  CHECK(python_declares->path == pyproject);
  CHECK(python_declares->dependencies == std::vector<Dependency>{{"c/d", MajorVersion{2}}});

  std::filesystem::remove(pyproject);
  const auto kernels_only = kernels::load_project_config(dir.path());
  REQUIRE_MESSAGE(kernels_only.has_value(), kernels_only.error().describe());
  CHECK(kernels_only->path == kernels_toml);
  CHECK_FALSE(kernels_only->declares_dependencies);
}

TEST_CASE("project config: load names the file in errors") {
  const ScratchDir dir;
  const auto pyproject = dir.path() / "pyproject.toml";
  dir.write("pyproject.toml", "[tool.kernels.dependencies]\n\"a/b\" = 1\n\"c/d\" = 2.5\n");
  const auto result = kernels::load_project_config(dir.path());
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().location == pyproject.string() + ":3:9");
  CHECK(result.error().message.find("found a float") != std::string::npos);

  const auto missing_dir = kernels::load_project_config(dir.path() / "nope");
  REQUIRE_FALSE(missing_dir.has_value());
  CHECK(missing_dir.error().code == ErrorCode::not_found);
  CHECK(missing_dir.error().message.find("does not exist") != std::string::npos);

  const auto a_file = kernels::load_project_config(pyproject);
  REQUIRE_FALSE(a_file.has_value());
  CHECK(a_file.error().code == ErrorCode::invalid_input);
  CHECK(a_file.error().message.find("not a directory") != std::string::npos);
}
