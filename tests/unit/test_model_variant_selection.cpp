#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/model/variant_selection.hpp"

using kernels::Backend;
using kernels::BackendKind;
using kernels::MacOsVersion;
using kernels::MajorMinor;
using kernels::SystemInfo;
using kernels::VariantSelection;

namespace {

using Names = std::vector<std::string>;

SystemInfo linux_system(Backend backend, MajorMinor torch = {2, 10}) {
  SystemInfo system;
  system.os = "linux";
  system.cpu = "x86_64";
  system.torch_version = torch;
  system.torch_cxx11_abi = true;
  system.backend = backend;
  return system;
}

Backend cuda(std::uint32_t major, std::uint32_t minor) {
  return Backend{BackendKind::cuda, MajorMinor{major, minor}};
}
Backend rocm(std::uint32_t major, std::uint32_t minor) {
  return Backend{BackendKind::rocm, MajorMinor{major, minor}};
}
Backend plain(BackendKind kind) {
  return Backend{kind, std::nullopt};
}

SystemInfo darwin_system(Backend backend, std::optional<MacOsVersion> macos) {
  SystemInfo system;
  system.os = "darwin";
  system.cpu = "aarch64";
  system.torch_version = MajorMinor{2, 10};
  system.backend = backend;
  system.macos_version = macos;
  return system;
}

std::vector<std::string> trace_lines(const VariantSelection& selection) {
  std::vector<std::string> lines;
  for (const auto& decision : selection.trace) {
    lines.push_back(decision.name + (decision.accepted ? " accepted" : ": " + decision.reason));
  }
  return lines;
}

// Selects, and checks what must hold for every selection: each input appears exactly once,
// accepted entries come first and carry no reason, rejected ones carry one, best() is the first
// accepted entry, and the result does not depend on the order of the input.
VariantSelection select(const Names& names, const SystemInfo& system) {
  const VariantSelection selection = kernels::select_variant(names, system);
  REQUIRE(selection.trace.size() == names.size());

  Names expected = names;
  Names traced;
  for (const auto& decision : selection.trace)
    traced.push_back(decision.name);
  std::sort(expected.begin(), expected.end());
  std::sort(traced.begin(), traced.end());
  CHECK(traced == expected);

  const auto first_rejected =
      std::find_if(selection.trace.begin(), selection.trace.end(),
                   [](const kernels::VariantDecision& decision) { return !decision.accepted; });
  CHECK(std::all_of(first_rejected, selection.trace.end(),
                    [](const kernels::VariantDecision& decision) { return !decision.accepted; }));
  for (const auto& decision : selection.trace) {
    CAPTURE(decision.name);
    CHECK(decision.reason.empty() == decision.accepted);
  }
  if (first_rejected == selection.trace.begin()) {
    CHECK(selection.best() == nullptr);
  } else {
    CHECK(selection.best() == &selection.trace.front());
  }

  Names reversed(names.rbegin(), names.rend());
  CHECK(trace_lines(kernels::select_variant(reversed, system)) == trace_lines(selection));
  if (!names.empty()) {
    Names rotated = names;
    std::rotate(rotated.begin(), rotated.begin() + 1, rotated.end());
    CHECK(trace_lines(kernels::select_variant(rotated, system)) == trace_lines(selection));
  }
  return selection;
}

std::string best_name(const Names& names, const SystemInfo& system) {
  const VariantSelection selection = select(names, system);
  return selection.best() == nullptr ? std::string("<none>") : selection.best()->name;
}

Names accepted_names(const VariantSelection& selection) {
  Names accepted;
  for (const auto& decision : selection.trace) {
    if (decision.accepted) accepted.push_back(decision.name);
  }
  return accepted;
}

std::string reason_for(const std::string& name, const SystemInfo& system) {
  const VariantSelection selection = select(Names{name}, system);
  return selection.trace.front().reason;
}

const Names kMixed = {"torch210-cxx11-cu128-x86_64-linux",
                      "torch210-cxx11-cu126-x86_64-linux",
                      "torch210-cxx11-cu130-x86_64-linux",
                      "torch210-cxx11-rocm70-x86_64-linux",
                      "torch210-cxx11-cpu-x86_64-linux",
                      "torch210-cpu-aarch64-darwin",
                      "torch210-metal-aarch64-darwin",
                      "torch-cuda",
                      "torch-cpu"};

}  // namespace

TEST_CASE("variant selection: reference oracles on a mixed set") {
  CHECK(best_name(kMixed, linux_system(cuda(12, 8))) == "torch210-cxx11-cu128-x86_64-linux");
  CHECK(best_name(kMixed, linux_system(cuda(12, 9))) == "torch210-cxx11-cu128-x86_64-linux");
  CHECK(best_name(kMixed, linux_system(cuda(12, 5))) == "torch-cuda");
  CHECK(best_name(kMixed, linux_system(cuda(11, 8))) == "torch-cuda");
  CHECK(best_name(kMixed, linux_system(rocm(7, 0))) == "torch210-cxx11-rocm70-x86_64-linux");
  CHECK(best_name(kMixed, linux_system(plain(BackendKind::cpu))) ==
        "torch210-cxx11-cpu-x86_64-linux");
  CHECK(best_name(kMixed, darwin_system(plain(BackendKind::cpu), std::nullopt)) ==
        "torch210-cpu-aarch64-darwin");
  CHECK(best_name(kMixed, darwin_system(plain(BackendKind::metal), MacOsVersion{26, 0, {}})) ==
        "torch210-metal-aarch64-darwin");

  SystemInfo arm_linux = linux_system(cuda(12, 8));
  arm_linux.cpu = "aarch64";
  CHECK(best_name(kMixed, arm_linux) == "torch-cuda");

  const VariantSelection none = select(kMixed, linux_system(rocm(7, 0), MajorMinor{2, 9}));
  CHECK(none.best() == nullptr);
  CHECK(accepted_names(none).empty());
}

TEST_CASE("variant selection: accepted variants in preference order") {
  CHECK(accepted_names(select(kMixed, linux_system(cuda(12, 9)))) ==
        Names{"torch210-cxx11-cu128-x86_64-linux", "torch210-cxx11-cu126-x86_64-linux",
              "torch-cuda"});
  CHECK(accepted_names(select(kMixed, linux_system(cuda(13, 0)))) ==
        Names{"torch210-cxx11-cu130-x86_64-linux", "torch-cuda"});
}

TEST_CASE("variant selection: the full trace, reasons and tie-break on CUDA 12.8") {
  const VariantSelection selection = select(kMixed, linux_system(cuda(12, 8)));
  CHECK(trace_lines(selection) ==
        Names{
            "torch210-cxx11-cu128-x86_64-linux accepted",
            "torch210-cxx11-cu126-x86_64-linux accepted",
            "torch-cuda accepted",
            "torch210-cpu-aarch64-darwin: CPU (aarch64) does not match system CPU (x86_64)",
            "torch210-metal-aarch64-darwin: CPU (aarch64) does not match system CPU (x86_64)",
            "torch210-cxx11-cpu-x86_64-linux: backend (cpu) does not match selected backend "
            "(cu128)",
            "torch210-cxx11-cu130-x86_64-linux: CUDA version (13.0) is not compatible with system "
            "CUDA version (12.8)",
            "torch210-cxx11-rocm70-x86_64-linux: backend (rocm70) does not match selected backend "
            "(cu128)",
            "torch-cpu: backend (cpu) does not match system backend (cuda) and is not universal",
        });
  REQUIRE(selection.best() != nullptr);
  REQUIRE(selection.best()->variant.has_value());
  CHECK(kernels::to_string(*selection.best()->variant) == "torch210-cxx11-cu128-x86_64-linux");
}

TEST_CASE("variant selection: Metal needs macOS 26") {
  const Names names = {"torch210-cpu-aarch64-darwin", "torch210-metal-aarch64-darwin",
                       "torch-metal"};
  for (const auto& macos :
       {std::optional<MacOsVersion>{MacOsVersion{15, 7, {}}}, std::optional<MacOsVersion>{}}) {
    const VariantSelection selection =
        select(names, darwin_system(plain(BackendKind::metal), macos));
    REQUIRE(selection.best() != nullptr);
    CHECK(selection.best()->name == "torch-metal");
    const auto metal = std::find_if(
        selection.trace.begin(), selection.trace.end(),
        [](const auto& decision) { return decision.name == "torch210-metal-aarch64-darwin"; });
    REQUIRE(metal != selection.trace.end());
    CHECK(metal->reason.find("require macOS 26.0") != std::string::npos);
  }
  CHECK(best_name(names, darwin_system(plain(BackendKind::metal), MacOsVersion{26, 1, {}})) ==
        "torch210-metal-aarch64-darwin");
  CHECK(reason_for("torch210-metal-aarch64-darwin",
                   darwin_system(plain(BackendKind::metal), MacOsVersion{15, 7, {}})) ==
        "Metal kernels require macOS 26.0 or later, system macOS version is 15.7");
  CHECK(reason_for("torch210-metal-aarch64-darwin",
                   darwin_system(plain(BackendKind::metal), MacOsVersion{15, 7, 1})) ==
        "Metal kernels require macOS 26.0 or later, system macOS version is 15.7.1");
  CHECK(reason_for("torch210-metal-aarch64-darwin",
                   darwin_system(plain(BackendKind::metal), std::nullopt)) ==
        "Metal kernels require macOS 26.0 or later, system macOS version is None");
}

TEST_CASE("variant selection: universal and backend-specific noarch") {
  const Names names = {"torch210-cxx11-cu128-x86_64-linux", "torch-universal"};
  CHECK(best_name(names, linux_system(rocm(7, 0), MajorMinor{2, 9})) == "torch-universal");
  CHECK(best_name(names, linux_system(cuda(12, 8))) == "torch210-cxx11-cu128-x86_64-linux");
  CHECK(best_name({"torch-universal", "torch-cuda"}, linux_system(cuda(12, 8))) == "torch-cuda");
}

TEST_CASE("variant selection: no CUDA fallback across majors or to newer minors") {
  const Names names = {"torch210-cxx11-cu126-x86_64-linux", "torch210-cxx11-cu128-x86_64-linux",
                       "torch210-cxx11-cu130-x86_64-linux"};
  CHECK(best_name(names, linux_system(cuda(12, 5))) == "<none>");
  CHECK(best_name(names, linux_system(cuda(11, 8))) == "<none>");
}

TEST_CASE("variant selection: stable ABI preference") {
  const Names names = {"torch-stable-abi211-cu128-x86_64-linux",
                       "torch210-cxx11-cu128-x86_64-linux", "torch-cuda"};
  CHECK(best_name(names, linux_system(cuda(12, 8), MajorMinor{2, 11})) ==
        "torch-stable-abi211-cu128-x86_64-linux");
  CHECK(best_name(names, linux_system(cuda(12, 8), MajorMinor{2, 12})) ==
        "torch-stable-abi211-cu128-x86_64-linux");
  CHECK(best_name(names, linux_system(cuda(12, 8), MajorMinor{2, 10})) ==
        "torch210-cxx11-cu128-x86_64-linux");
  CHECK(
      best_name({"torch-stable-abi29-cu128-x86_64-linux", "torch-stable-abi211-cu128-x86_64-linux"},
                linux_system(cuda(12, 8), MajorMinor{2, 12})) ==
      "torch-stable-abi211-cu128-x86_64-linux");
  CHECK(best_name({"torch210-cxx11-cu128-x86_64-linux", "torch210-cu128-x86_64-linux"},
                  linux_system(cuda(12, 8))) == "torch210-cu128-x86_64-linux");
  CHECK(best_name({"torch-stable-abi211-cu128-x86_64-linux", "torch211-cxx11-cu128-x86_64-linux"},
                  linux_system(cuda(12, 8), MajorMinor{2, 11})) ==
        "torch-stable-abi211-cu128-x86_64-linux");
}

TEST_CASE("variant selection: rejection reasons for the framework and the OS") {
  const SystemInfo system = linux_system(plain(BackendKind::cpu));
  CHECK(reason_for("torch210-cpu-x86_64-darwin", system) ==
        "OS (darwin) does not match system OS (linux)");
  CHECK(reason_for("torch29-cxx11-cpu-x86_64-linux", system) ==
        "Torch version (2.9) does not match environment Torch version (2.10)");
  CHECK(reason_for("torch210-cxx98-cpu-x86_64-linux", system) ==
        "Torch CXX11 ABI (False) does not match environment Torch CXX11 ABI (True)");
  CHECK(reason_for("torch-stable-abi211-cpu-x86_64-linux", system) ==
        "Torch stable ABI version (2.11) is too new for environment Torch version (2.10)");
  CHECK(reason_for("tvm-ffi01-cpu-x86_64-linux", system) ==
        "tvm-ffi version (0.1) does not match environment tvm-ffi version (None)");
  // An untagged Torch build accepts either ABI, an older stable ABI a newer Torch.
  CHECK(reason_for("torch210-cpu-x86_64-linux", system).empty());
  CHECK(reason_for("torch-stable-abi29-cpu-x86_64-linux", system).empty());

  SystemInfo no_torch = system;
  no_torch.torch_version.reset();
  no_torch.torch_cxx11_abi.reset();
  no_torch.tvm_ffi_version = MajorMinor{0, 2};
  CHECK(reason_for("torch210-cpu-x86_64-linux", no_torch) ==
        "Torch version (2.10) does not match environment Torch version (None)");
  CHECK(reason_for("torch-stable-abi29-cpu-x86_64-linux", no_torch) ==
        "Torch stable ABI version (2.9) is too new for environment Torch version (None)");
  CHECK(reason_for("tvm-ffi01-cpu-x86_64-linux", no_torch) ==
        "tvm-ffi version (0.1) does not match environment tvm-ffi version (0.2)");
  CHECK(reason_for("tvm-ffi02-cpu-x86_64-linux", no_torch).empty());
  CHECK(reason_for("torch-cpu", no_torch).empty());

  SystemInfo unknown_abi = system;
  unknown_abi.torch_cxx11_abi.reset();
  CHECK(reason_for("torch210-cxx11-cpu-x86_64-linux", unknown_abi) ==
        "Torch CXX11 ABI (True) does not match environment Torch CXX11 ABI (None)");
}

TEST_CASE("variant selection: rejection reasons for the backend") {
  CHECK(reason_for("torch210-cxx11-cu118-x86_64-linux", linux_system(cuda(12, 8))) ==
        "CUDA version (11.8) is not compatible with system CUDA version (12.8)");
  CHECK(reason_for("torch210-cxx11-cu128-x86_64-linux", linux_system(plain(BackendKind::cuda))) ==
        "CUDA version (12.8) is not compatible with system CUDA version (None)");
  CHECK(reason_for("torch210-cxx11-cu128-x86_64-linux", linux_system(plain(BackendKind::cpu))) ==
        "backend (cu128) does not match selected backend (cpu)");
  CHECK(reason_for("torch210-cxx11-rocm71-x86_64-linux", linux_system(rocm(7, 0))) ==
        "backend (rocm71) does not match selected backend (rocm70)");
  const SystemInfo xpu = linux_system(Backend{BackendKind::xpu, MajorMinor{2025, 3}});
  CHECK(reason_for("torch210-cxx11-xpu20253-x86_64-linux", xpu).empty());
  CHECK(reason_for("torch210-cxx11-xpu20252-x86_64-linux", xpu) ==
        "backend (xpu20252) does not match selected backend (xpu20253)");
  CHECK(reason_for("torch-cuda", linux_system(plain(BackendKind::cpu))) ==
        "backend (cuda) does not match system backend (cpu) and is not universal");
  // Noarch folders name Ascend devices "npu", the system backend is CANN.
  const SystemInfo cann = linux_system(Backend{BackendKind::cann, MajorMinor{8, 0}});
  CHECK(reason_for("torch-npu", cann).empty());
  CHECK(reason_for("torch-cann", cann) ==
        "backend (cann) does not match system backend (npu) and is not universal");
  CHECK(reason_for("torch-universal", cann).empty());
}

TEST_CASE("variant selection: ties are broken by name bytes, whatever the input order") {
  SystemInfo system = linux_system(cuda(13, 0));
  system.torch_version.reset();
  system.tvm_ffi_version = MajorMinor{0, 1};
  // tvm-ffi arch variants and noarch variants share the key (0, 2, 0, 0, 0).
  Names names = {"tvm-ffi01-cu130-x86_64-linux", "torch-cuda", "tvm-ffi01-cpu-x86_64-linux",
                 "tvm-ffi01-metal-x86_64-linux", "torch-universal"};
  std::sort(names.begin(), names.end());
  std::vector<std::string> first_trace;
  do {
    const VariantSelection selection = select(names, system);
    if (first_trace.empty()) first_trace = trace_lines(selection);
    CHECK(trace_lines(selection) == first_trace);
  } while (std::next_permutation(names.begin(), names.end()));
  CHECK(first_trace ==
        Names{"torch-cuda accepted", "tvm-ffi01-cu130-x86_64-linux accepted",
              "torch-universal accepted",
              "tvm-ffi01-cpu-x86_64-linux: backend (cpu) does not match selected backend (cu130)",
              "tvm-ffi01-metal-x86_64-linux: backend (metal) does not match selected backend "
              "(cu130)"});
}

TEST_CASE("variant selection: unreadable names stay in the trace, last, with the parse error") {
  const Names names = {"torch210-cxx11-cu12x-x86_64-linux", "torch-cuda", "bad name", "torch-cpu"};
  const VariantSelection selection = select(names, linux_system(cuda(12, 8)));
  REQUIRE(selection.trace.size() == 4);
  CHECK(selection.trace[0].name == "torch-cuda");
  CHECK(selection.trace[1].name == "torch-cpu");
  CHECK(selection.trace[2].name == "bad name");
  CHECK(selection.trace[3].name == "torch210-cxx11-cu12x-x86_64-linux");
  for (std::size_t i = 2; i < 4; ++i) {
    CHECK_FALSE(selection.trace[i].accepted);
    CHECK_FALSE(selection.trace[i].variant.has_value());
    CHECK(selection.trace[i].reason.find("invalid build variant name '" + selection.trace[i].name +
                                         "'") != std::string::npos);
  }
}

TEST_CASE("variant selection: duplicates and an empty input") {
  const VariantSelection duplicates =
      select({"torch-cuda", "torch-cuda", "torch-cpu"}, linux_system(cuda(12, 8)));
  CHECK(
      trace_lines(duplicates) ==
      Names{"torch-cuda accepted", "torch-cuda accepted",
            "torch-cpu: backend (cpu) does not match system backend (cuda) and is not universal"});
  const VariantSelection empty = select({}, linux_system(cuda(12, 8)));
  CHECK(empty.trace.empty());
  CHECK(empty.best() == nullptr);
}

TEST_CASE("variant selection: parsed variants select like their names") {
  std::vector<kernels::Variant> variants;
  for (const auto& name : kMixed) {
    auto parsed = kernels::parse_variant(name);
    REQUIRE(parsed.has_value());
    variants.push_back(*parsed);
  }
  const SystemInfo system = linux_system(cuda(12, 9));
  const VariantSelection from_variants = kernels::select_variant(variants, system);
  CHECK(trace_lines(from_variants) == trace_lines(kernels::select_variant(kMixed, system)));
  REQUIRE(from_variants.best() != nullptr);
  CHECK(from_variants.best()->variant == variants.front());
}
