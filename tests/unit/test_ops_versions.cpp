// `kernels versions`: which refs are versions and in what order, one build/ listing per commit,
// and the text form.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/hub/hub_client.hpp"
#include "kernels/ops/versions.hpp"

#include "fake_hub.hpp"
#include "hub_client_helpers.hpp"

using kernels::GitRef;
using kernels::KernelVersion;
using kernels::VersionKind;
using kernels::VersionRef;
using kernels::VersionsReport;
using kernels::testing::FakeHub;
using kernels::testing::FakeRepo;
using kernels::testing::hub_settings;
using kernels::testing::make_hub_client;

namespace {

const std::string kA(40, 'a');
const std::string kB(40, 'b');

kernels::SystemInfo cpu_linux_torch210() {
  kernels::SystemInfo system;
  system.os = "linux";
  system.cpu = "x86_64";
  system.torch_version = kernels::MajorMinor{2, 10};
  system.torch_cxx11_abi = true;
  system.backend = kernels::Backend{kernels::BackendKind::cpu, std::nullopt};
  return system;
}

KernelVersion version(std::string name, const std::string& commit,
                      std::vector<std::string> variants) {
  KernelVersion result;
  result.ref = VersionRef{VersionKind::branch, std::move(name), commit};
  result.selection = kernels::select_variant(variants, cpu_linux_torch210());
  result.variants = std::move(variants);
  return result;
}

std::string refs_json(const std::string& branches, const std::string& tags) {
  return R"({"branches":[)" + branches + R"(],"converts":[],"tags":[)" + tags + "]}";
}

std::string ref_json(const std::string& name, const std::string& kind, const std::string& commit) {
  return R"({"name":")" + name + R"(","ref":"refs/)" + kind + "/" + name + R"(","targetCommit":")" +
         commit + R"("})";
}

}  // namespace

TEST_CASE("versions: branches in numeric order, then tags in PEP 440 order, other refs left out") {
  kernels::RepoRefs refs;
  refs.branches = {GitRef{"v10", kA}, GitRef{"main", kA}, GitRef{"v2", kB}, GitRef{"v1", kA},
                   GitRef{"v1.x", kA}};
  refs.tags = {GitRef{"v1.10.0", kA}, GitRef{"v1.2.0", kB}, GitRef{"v1.2.0rc1", kA},
               GitRef{"release", kB}};
  const auto versions = kernels::version_refs(refs);
  std::vector<std::string> names;
  for (const VersionRef& ref : versions)
    names.push_back(std::string(to_string(ref.kind)) + " " + ref.name);
  CHECK(names == std::vector<std::string>{"branch v1", "branch v2", "branch v10", "tag v1.2.0rc1",
                                          "tag v1.2.0", "tag v1.10.0"});
  CHECK(versions[1].commit == kB);
}

TEST_CASE("versions: one line per version, names padded, the chosen variant or why none") {
  VersionsReport report;
  report.repo.repo_id = "org/relu";
  report.versions.push_back(
      version("v1", kA, {"torch210-cxx11-cpu-x86_64-linux", "torch210-cxx11-cu128-x86_64-linux"}));
  report.versions.push_back(version("v1.10.0", kB, {"torch210-cxx11-cu128-x86_64-linux"}));
  report.versions.push_back(version("v2", kB, {}));
  CHECK(kernels::describe_versions(report, false) ==
        std::vector<std::string>{
            "v1       aaaaaaa  torch210-cxx11-cpu-x86_64-linux (2 variants)",
            "v1.10.0  bbbbbbb  no variant for this system (1 variant)",
            "v2       bbbbbbb  no build variants",
        });
}

TEST_CASE("versions: -v adds every version's trace below it") {
  VersionsReport report;
  report.repo.repo_id = "org/relu";
  report.versions.push_back(
      version("v1", kA, {"torch210-cxx11-cpu-x86_64-linux", "torch210-cxx11-cpu-aarch64-linux"}));
  CHECK(kernels::describe_versions(report, true) ==
        std::vector<std::string>{
            "v1  aaaaaaa  torch210-cxx11-cpu-x86_64-linux (2 variants)",
            "    chosen      torch210-cxx11-cpu-x86_64-linux",
            "    rejected    torch210-cxx11-cpu-aarch64-linux: CPU (aarch64) does not match "
            "system CPU (x86_64)",
        });
}

TEST_CASE("versions: a repo without versions says so, as the reference does") {
  VersionsReport report;
  report.repo.repo_id = "org/plain";
  CHECK(kernels::describe_versions(report, true) ==
        std::vector<std::string>{"Repository does not support kernel versions: org/plain"});
}

TEST_CASE("versions: build/ of each distinct commit is listed once, in one batch") {
  FakeHub hub;
  FakeRepo repo;
  repo.refs = refs_json(ref_json("main", "heads", kA) + "," + ref_json("v1", "heads", kA),
                        ref_json("v1.0.0", "tags", kA) + "," + ref_json("v0.9.0", "tags", kB));
  repo.tree_pages = {R"([{"type":"directory","oid":"","size":0,"path":"build/torch-cpu"},
    {"type":"directory","oid":"","size":0,"path":"build/torch210-cxx11-cu128-x86_64-linux"}])"};
  hub.add(kernels::RepoType::kernel, "org/relu", repo);
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));

  const auto report = kernels::list_versions("org/relu", cpu_linux_torch210(), client);
  REQUIRE(report.has_value());
  REQUIRE(report->versions.size() == 3);
  CHECK(report->versions[0].ref.name == "v1");
  CHECK(report->versions[1].ref.name == "v0.9.0");
  CHECK(report->versions[2].ref.name == "v1.0.0");
  for (const KernelVersion& listed : report->versions) {
    CHECK(listed.variants ==
          std::vector<std::string>{"torch-cpu", "torch210-cxx11-cu128-x86_64-linux"});
    REQUIRE(listed.selection.best() != nullptr);
    CHECK(listed.selection.best()->name == "torch-cpu");
  }
  CHECK(hub.count("/api/kernels/org/relu/tree/") == 2);
  CHECK(hub.count("/api/kernels/org/relu/tree/" + kA + "/build?recursive=false") == 1);
}

TEST_CASE("versions: an unknown repo is not_found") {
  FakeHub hub;
  hub.start();
  auto client = make_hub_client(hub_settings(hub.endpoint()));
  const auto report = kernels::list_versions("org/missing", cpu_linux_torch210(), client);
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().code == kernels::ErrorCode::not_found);
}
