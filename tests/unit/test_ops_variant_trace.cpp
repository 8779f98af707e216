// The pieces `kernels versions` and `kernels info` share: variant names from a build/ listing,
// the backends they cover, and the text form of a trace.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/ops/variant_trace.hpp"

using kernels::TreeEntry;
using kernels::TreeEntryType;

namespace {

TreeEntry directory(std::string path) {
  return TreeEntry{TreeEntryType::directory, std::move(path), "", 0, std::nullopt};
}

TreeEntry file(std::string path) {
  return TreeEntry{TreeEntryType::file, std::move(path), "", 1, std::nullopt};
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

}  // namespace

TEST_CASE("variant trace: names are the folders directly under build/, sorted, once each") {
  const std::vector<TreeEntry> entries = {
      directory("build/torch-cpu"),
      file("build/README.md"),
      directory("build/torch210-cxx11-cpu-x86_64-linux"),
      directory("build/torch210-cxx11-cpu-x86_64-linux/relu"),
      directory("other/torch-cuda"),
      directory("build/torch-cpu"),
      directory("build/"),
  };
  CHECK(kernels::variant_names_from_listing(entries) ==
        std::vector<std::string>{"torch-cpu", "torch210-cxx11-cpu-x86_64-linux"});
  CHECK(kernels::variant_names_from_listing({}).empty());
}

TEST_CASE("variant trace: backends of arch and noarch variants, unreadable names skipped") {
  const std::vector<std::string> names = {"torch210-cxx11-cu128-x86_64-linux",
                                          "torch29-cxx11-cu126-x86_64-linux",
                                          "torch210-cxx11-rocm64-x86_64-linux",
                                          "torch-universal",
                                          "torch-cpu",
                                          "torch212-metal-aarch64-darwin",
                                          "not-a-variant"};
  CHECK(kernels::backends_of_variants(names) ==
        std::vector<std::string>{"cpu", "cuda", "metal", "rocm", "universal"});
  CHECK(kernels::backends_of_variants({}).empty());
}

TEST_CASE("variant trace: chosen first, then compatible, then rejected with the reason") {
  const std::vector<std::string> names = {"torch-cpu", "torch210-cxx11-cpu-aarch64-linux",
                                          "torch210-cxx11-cpu-x86_64-linux"};
  const auto selection = kernels::select_variant(names, cpu_linux_torch210());
  CHECK(kernels::describe_trace(selection) ==
        std::vector<std::string>{
            "chosen      torch210-cxx11-cpu-x86_64-linux", "compatible  torch-cpu",
            "rejected    torch210-cxx11-cpu-aarch64-linux: CPU (aarch64) does not match system "
            "CPU (x86_64)"});
}

TEST_CASE("variant trace: nothing chosen when nothing is accepted") {
  const std::vector<std::string> names = {"torch210-cxx11-cu128-x86_64-linux"};
  const auto lines = kernels::describe_trace(kernels::select_variant(names, cpu_linux_torch210()));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].starts_with("rejected    torch210-cxx11-cu128-x86_64-linux: backend (cu128)"));
}
