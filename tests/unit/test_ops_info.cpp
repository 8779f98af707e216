// `kernels info`: finding a local kernel's variants, its metadata and trace, and the Hub side
// (revision resolution, one metadata.json download).

#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/hub_client.hpp"
#include "kernels/ops/info.hpp"

#include "fake_hub.hpp"
#include "hub_client_helpers.hpp"
#include "scratch_dir.hpp"

using kernels::ErrorCode;
using kernels::HubInfoRequest;
using kernels::testing::FakeHub;
using kernels::testing::FakeRepo;
using kernels::testing::hub_settings;
using kernels::testing::make_hub_client;
using kernels::testing::ScratchDir;

namespace {

constexpr std::string_view kCpu = "torch210-cxx11-cpu-x86_64-linux";
constexpr std::string_view kArm = "torch210-cxx11-cpu-aarch64-linux";

std::string metadata_json(std::string_view name, std::string_view backend) {
  return R"({"name":")" + std::string(name) + R"(","id":"_)" + std::string(name) +
         R"(_abc","version":1,"license":"Apache-2.0","python-depends":["torch"],)"
         R"("kernel-depends":[{"repo-id":"org/base","version":2}],)"
         R"("backend":{"type":")" +
         std::string(backend) + R"("}})";
}

kernels::SystemInfo cpu_linux_torch210() {
  kernels::SystemInfo system;
  system.os = "linux";
  system.cpu = "x86_64";
  system.torch_version = kernels::MajorMinor{2, 10};
  system.torch_cxx11_abi = true;
  system.backend = kernels::Backend{kernels::BackendKind::cpu, std::nullopt};
  return system;
}

void add_variant(const ScratchDir& scratch, const std::string& build, std::string_view variant,
                 std::string_view name) {
  std::filesystem::create_directories(scratch.path() / build / variant);
  if (!name.empty()) {
    scratch.write(build + "/" + std::string(variant) + "/metadata.json",
                  metadata_json(name, "cpu"));
  }
}

}  // namespace

TEST_CASE("info local: a checkout, its build/ folder and one variant folder all work") {
  ScratchDir scratch;
  add_variant(scratch, "build", kCpu, "relu");
  add_variant(scratch, "build", kArm, "relu");
  std::filesystem::create_directories(scratch.path() / "build" / ".hidden");

  const auto root = kernels::find_local_build(scratch.path());
  REQUIRE(root.has_value());
  CHECK(root->build_dir == scratch.path() / "build");
  CHECK(root->variants == std::vector<std::string>{std::string(kArm), std::string(kCpu)});

  const auto build = kernels::find_local_build(scratch.path() / "build");
  REQUIRE(build.has_value());
  CHECK(build->variants.size() == 2);

  const auto one = kernels::find_local_build(scratch.path() / "build" / kCpu / "");
  REQUIRE(one.has_value());
  CHECK(one->build_dir == scratch.path() / "build");
  CHECK(one->variants == std::vector<std::string>{std::string(kCpu)});
}

TEST_CASE("info local: a folder without variants is not_found, naming it") {
  ScratchDir scratch;
  std::filesystem::create_directories(scratch.path() / "src" / "relu");
  const auto none = kernels::find_local_build(scratch.path());
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == ErrorCode::not_found);
  CHECK(none.error().message.find("no build variants in " + scratch.path().string()) == 0);

  std::filesystem::create_directories(scratch.path() / "empty" / "build");
  CHECK(kernels::find_local_build(scratch.path() / "empty").error().code == ErrorCode::not_found);
  CHECK(kernels::find_local_build(scratch.path() / "absent").error().code == ErrorCode::not_found);
}

TEST_CASE("info local: metadata of the chosen variant, trace and backends") {
  ScratchDir scratch;
  add_variant(scratch, "build", kCpu, "relu");
  add_variant(scratch, "build", kArm, "other");
  add_variant(scratch, "build", "torch210-cxx11-cu128-x86_64-linux", "");

  const auto info = kernels::kernel_info_from_directory(scratch.path(), cpu_linux_torch210());
  REQUIRE(info.has_value());
  CHECK(info->path == scratch.path());
  CHECK_FALSE(info->repo.has_value());
  REQUIRE(info->selection.best() != nullptr);
  CHECK(info->selection.best()->name == kCpu);
  REQUIRE(info->metadata.has_value());
  CHECK(info->metadata->name == "relu");
  CHECK(info->metadata->python_depends == std::vector<std::string>{"torch"});
  CHECK(info->metadata_variant == kCpu);
  CHECK(info->backends == std::vector<std::string>{"cpu", "cuda"});
  CHECK(info->selection.trace.size() == 3);
  CHECK(info->warnings.empty());
}

TEST_CASE("info local: without a fitting variant, the most preferred one with metadata") {
  ScratchDir scratch;
  add_variant(scratch, "build", kArm, "armonly");
  add_variant(scratch, "build", "torch210-cxx11-cu128-x86_64-linux", "");
  const auto info = kernels::kernel_info_from_directory(scratch.path(), cpu_linux_torch210());
  REQUIRE(info.has_value());
  CHECK(info->selection.best() == nullptr);
  REQUIRE(info->metadata.has_value());
  CHECK(info->metadata->name == "armonly");
  CHECK(info->metadata_variant == kArm);
}

TEST_CASE("info local: a malformed metadata.json is a warning, not a failure") {
  ScratchDir scratch;
  std::filesystem::create_directories(scratch.path() / kCpu);
  scratch.write(std::string(kCpu) + "/metadata.json", "{not json");
  const auto info = kernels::kernel_info_from_directory(scratch.path(), cpu_linux_torch210());
  REQUIRE(info.has_value());
  CHECK_FALSE(info->metadata.has_value());
  CHECK(info->warnings.size() == 2);
}

namespace {

FakeRepo hub_repo() {
  FakeRepo repo;
  repo.tree_pages = {R"([{"type":"directory","oid":"","size":0,"path":"build/)" +
                     std::string(kCpu) + R"("},
    {"type":"directory","oid":"","size":0,"path":"build/torch210-cxx11-cu128-x86_64-linux"}])"};
  repo.files["build/" + std::string(kCpu) + "/metadata.json"] = metadata_json("relu", "cpu");
  return repo;
}

HubInfoRequest request_for(std::optional<kernels::Requirement> requirement) {
  return HubInfoRequest{"org/relu", std::move(requirement), cpu_linux_torch210()};
}

}  // namespace

TEST_CASE("info hub: the highest version branch by default, the chosen variant's metadata") {
  FakeHub hub;
  hub.add(kernels::RepoType::kernel, "org/relu", hub_repo());
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto info = kernels::kernel_info_from_hub(request_for(std::nullopt), client);
  REQUIRE(info.has_value());
  CHECK(info->revision == "v1");
  CHECK(info->commit == kernels::testing::kCommit);
  REQUIRE(info->metadata.has_value());
  CHECK(info->metadata->name == "relu");
  CHECK(info->metadata->kernel_depends.size() == 1);
  CHECK(info->backends == std::vector<std::string>{"cpu", "cuda"});
  // Only the chosen variant's metadata.json is fetched: one HEAD and one GET.
  CHECK(hub.count("/kernels/org/relu/resolve/") == 2);
  CHECK(hub.count("/kernels/org/relu/resolve/" + std::string(kernels::testing::kCommit) +
                  "/build/" + std::string(kCpu) + "/metadata.json") == 2);
}

TEST_CASE("info hub: --revision, a tag specifier, and a version that does not exist") {
  FakeHub hub;
  hub.add(kernels::RepoType::kernel, "org/relu", hub_repo());
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto main = kernels::kernel_info_from_hub(request_for(kernels::Revision{"main"}), client);
  REQUIRE(main.has_value());
  CHECK(main->revision == "main");
  CHECK(main->commit == kernels::testing::kCommit);

  const auto tag =
      kernels::kernel_info_from_hub(request_for(kernels::VersionSpecifier{"==1.0"}), client);
  REQUIRE(tag.has_value());
  CHECK(tag->revision == "v1.0");

  const auto missing = kernels::kernel_info_from_hub(request_for(kernels::MajorVersion{2}), client);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find("Version 2 not found, available versions: 1") == 0);
}

TEST_CASE("info hub: a missing metadata.json is a warning; no variants is not_found") {
  FakeHub hub;
  FakeRepo without_metadata = hub_repo();
  without_metadata.files.clear();
  hub.add(kernels::RepoType::kernel, "org/relu", without_metadata);
  FakeRepo empty;
  empty.tree_pages = {"[]"};
  hub.add(kernels::RepoType::kernel, "org/empty", empty);
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto info = kernels::kernel_info_from_hub(request_for(std::nullopt), client);
  REQUIRE(info.has_value());
  CHECK_FALSE(info->metadata.has_value());
  REQUIRE(info->warnings.size() == 1);
  CHECK(info->warnings[0].find("no usable metadata.json in build/" + std::string(kCpu)) == 0);

  HubInfoRequest request = request_for(std::nullopt);
  request.repo_id = "org/empty";
  const auto none = kernels::kernel_info_from_hub(request, client);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == ErrorCode::not_found);
  CHECK(none.error().message.find("no build variants in org/empty (revision: v1)") == 0);
}
