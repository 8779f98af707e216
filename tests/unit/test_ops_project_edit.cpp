#include <filesystem>
#include <string>

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "kernels/ops/project_edit.hpp"

#include "scratch_dir.hpp"

using kernels::ConfigFormat;
using kernels::Dependency;
using kernels::DependencyChange;
using kernels::ErrorCode;
using kernels::GitRef;
using kernels::MajorVersion;
using kernels::Requirement;
using kernels::Revision;
using kernels::VersionSpecifier;
using kernels::testing::ScratchDir;

namespace fs = std::filesystem;

namespace {

kernels::Result<std::optional<Requirement>> from_text(std::string_view text) {
  auto ref = kernels::parse_kernel_ref(text);
  REQUIRE(ref.has_value());
  return kernels::requirement_from_ref(*ref);
}

kernels::RepoRefs refs_with(std::vector<std::string> branches, std::vector<std::string> tags) {
  kernels::RepoRefs refs;
  refs.repo.repo_id = "org/relu";
  for (auto& name : branches)
    refs.branches.push_back(GitRef{std::move(name), std::string(40, 'a')});
  for (auto& name : tags)
    refs.tags.push_back(GitRef{std::move(name), std::string(40, 'b')});
  return refs;
}

fs::perms mode_of(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::mask;
}

}  // namespace

TEST_CASE("project edit: each @SPEC form gives its requirement") {
  CHECK(*from_text("org/relu") == std::nullopt);
  CHECK(*from_text("org/relu@1") == Requirement{MajorVersion{1}});
  CHECK(*from_text("org/relu@v1") == Requirement{MajorVersion{1}});
  CHECK(*from_text("org/relu@v2.1.0") == Requirement{VersionSpecifier{"==2.1.0"}});
  CHECK(*from_text("org/relu@>=2.0,<3.0") == Requirement{VersionSpecifier{">=2.0,<3.0"}});
  CHECK(*from_text("org/relu@abc1234") == Requirement{Revision{"abc1234"}});
}

TEST_CASE("project edit: a layer or a malformed specifier is a usage error") {
  const auto layer = from_text("org/relu@1:SiluAndMul");
  REQUIRE_FALSE(layer.has_value());
  CHECK(layer.error().code == ErrorCode::usage);
  CHECK(layer.error().message.find("kernelize mapping") != std::string::npos);
  const auto specifier = from_text("org/relu@>=x.y");
  REQUIRE_FALSE(specifier.has_value());
  CHECK(specifier.error().code == ErrorCode::usage);
  CHECK(specifier.error().message.find("org/relu") != std::string::npos);
}

TEST_CASE("project edit: the newest version branch, numerically") {
  CHECK(*kernels::newest_major_version(refs_with({"main", "v2", "v10", "v9", "v1.5"}, {})) ==
        Requirement{MajorVersion{10}});
  const auto none = kernels::newest_major_version(refs_with({"main"}, {"v0.2.0", "v0.1.0", "x"}));
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == ErrorCode::not_found);
  CHECK(none.error().message.find("its version tags are v0.1.0, v0.2.0") != std::string::npos);
  CHECK(none.error().message.find("org/relu@main") != std::string::npos);
}

TEST_CASE("project edit: a project without a config gets a new kernels.toml") {
  ScratchDir dir;
  auto plan = kernels::plan_add_dependency(dir.path(), Dependency{"org/a", MajorVersion{1}});
  REQUIRE(plan.has_value());
  CHECK(plan->creates_file());
  CHECK(plan->format == ConfigFormat::kernels_toml);
  CHECK(plan->path == dir.path() / "kernels.toml");
  CHECK_FALSE(fs::exists(plan->path));  // planning writes nothing
  REQUIRE(kernels::apply_config_edit(*plan));
  CHECK(ScratchDir::read(plan->path) == "[dependencies]\n\"org/a\" = 1\n");
  REQUIRE(kernels::revert_config_edit(*plan));
  CHECK_FALSE(fs::exists(plan->path));
}

TEST_CASE("project edit: the file `kernels lock` reads is the one edited") {
  ScratchDir dir;
  dir.write("pyproject.toml", "[project]\nname = \"x\"\n");
  auto plan = kernels::plan_add_dependency(dir.path(), Dependency{"org/a", MajorVersion{1}});
  REQUIRE(plan.has_value());
  CHECK(plan->path == dir.path() / "pyproject.toml");
  CHECK(plan->edit.created_table);

  dir.write("kernels.toml", "[dependencies]\n\"org/b\" = 2\n");
  plan = kernels::plan_add_dependency(dir.path(), Dependency{"org/a", MajorVersion{1}});
  REQUIRE(plan.has_value());
  CHECK(plan->path == dir.path() / "kernels.toml");
  CHECK(plan->edit.text == "[dependencies]\n\"org/b\" = 2\n\"org/a\" = 1\n");
}

TEST_CASE("project edit: apply keeps the file's mode and revert restores its bytes") {
  ScratchDir dir;
  const std::string original = "[dependencies] # mine\n\"org/b\" = 2\n";
  const fs::path file = dir.write("kernels.toml", original);
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_write |
                            fs::perms::group_read);
  auto plan = kernels::plan_remove_dependency(dir.path(), "org/b");
  REQUIRE(plan.has_value());
  CHECK(plan->edit.change == DependencyChange::removed);
  REQUIRE(kernels::apply_config_edit(*plan));
  CHECK(ScratchDir::read(file) == "[dependencies] # mine\n");
  CHECK(mode_of(file) == (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_write |
                          fs::perms::group_read));
  REQUIRE(kernels::revert_config_edit(*plan));
  CHECK(ScratchDir::read(file) == original);
}

TEST_CASE("project edit: a symlinked config stays a link") {
  ScratchDir dir;
  const fs::path real = dir.write("shared.toml", "[dependencies]\n");
  fs::create_symlink(real, dir.path() / "kernels.toml");
  auto plan = kernels::plan_add_dependency(dir.path(), Dependency{"org/a", MajorVersion{3}});
  REQUIRE(plan.has_value());
  REQUIRE(kernels::apply_config_edit(*plan));
  CHECK(fs::is_symlink(dir.path() / "kernels.toml"));
  CHECK(ScratchDir::read(real) == "[dependencies]\n\"org/a\" = 3\n");
}

TEST_CASE("project edit: remove needs a config and the dependency") {
  ScratchDir dir;
  const auto no_config = kernels::plan_remove_dependency(dir.path(), "org/a");
  REQUIRE_FALSE(no_config.has_value());
  CHECK(no_config.error().code == ErrorCode::not_found);
  dir.write("kernels.toml", "[dependencies]\n\"org/b\" = 2\n");
  const auto missing = kernels::plan_remove_dependency(dir.path(), "org/a");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find("'org/a' is not a dependency") != std::string::npos);
}

TEST_CASE("project edit: a missing project directory is not a place to create kernels.toml") {
  ScratchDir dir;
  const auto plan =
      kernels::plan_add_dependency(dir.path() / "nope", Dependency{"org/a", MajorVersion{1}});
  REQUIRE_FALSE(plan.has_value());
  CHECK(plan.error().code == ErrorCode::not_found);
  CHECK(plan.error().message.find("--project") != std::string::npos);
}
