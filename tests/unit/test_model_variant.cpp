#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "kernels/model/variant.hpp"

using kernels::ArchVariant;
using kernels::Backend;
using kernels::BackendKind;
using kernels::MajorMinor;
using kernels::NoarchVariant;
using kernels::parse_variant;
using kernels::TorchFramework;
using kernels::TorchStableAbiFramework;
using kernels::TvmFfiFramework;

namespace {

void check_round_trip(const std::string& name) {
  CAPTURE(name);
  const auto parsed = parse_variant(name);
  REQUIRE_MESSAGE(parsed.has_value(), parsed.error().message);
  CHECK(kernels::to_string(*parsed) == name);
}

ArchVariant parse_arch(std::string_view name) {
  CAPTURE(name);
  const auto parsed = parse_variant(name);
  REQUIRE_MESSAGE(parsed.has_value(), parsed.error().message);
  REQUIRE(std::holds_alternative<ArchVariant>(*parsed));
  return std::get<ArchVariant>(*parsed);
}

// The parse error's message, or a marker that makes the calling CHECK fail.
std::string parse_error(std::string_view name) {
  const auto parsed = parse_variant(name);
  if (parsed.has_value()) return "<parsed as " + kernels::to_string(*parsed) + ">";
  CHECK(parsed.error().code == kernels::ErrorCode::invalid_input);
  return parsed.error().message;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

const std::vector<std::string> kBackends = {"cpu",    "cu126",  "cu128",   "cu130",
                                            "rocm63", "rocm64", "xpu20252"};
const std::vector<std::string> kLinuxArchs = {"aarch64", "x86_64"};

}  // namespace

TEST_CASE("variant: torch arch names of the reference test round-trip") {
  int count = 0;
  for (const std::string torch : {"torch25", "torch29", "torch210"}) {
    for (const std::string tag : {"", "-cxx98", "-cxx11"}) {
      for (const auto& backend : kBackends) {
        for (const auto& arch : kLinuxArchs) {
          check_round_trip(torch + tag + "-" + backend + "-" + arch + "-linux");
          ++count;
        }
      }
    }
  }
  CHECK(count == 3 * 3 * 7 * 2);
}

TEST_CASE("variant: darwin, tvm-ffi and stable ABI names of the reference test round-trip") {
  for (const std::string framework : {"torch25", "torch29", "torch210", "tvm-ffi01",
                                      "torch-stable-abi211", "torch-stable-abi29"}) {
    for (const std::string backend : {"cpu", "metal"}) {
      check_round_trip(framework + "-" + backend + "-aarch64-darwin");
    }
  }
  for (const std::string framework : {"tvm-ffi01", "torch-stable-abi211", "torch-stable-abi29"}) {
    for (const auto& backend : kBackends) {
      for (const auto& arch : kLinuxArchs) {
        check_round_trip(framework + "-" + backend + "-" + arch + "-linux");
      }
    }
  }
}

TEST_CASE("variant: noarch names round-trip") {
  for (const std::string name :
       {"cpu", "cuda", "metal", "neuron", "rocm", "tpu", "xpu", "npu", "universal"}) {
    const std::string variant = "torch-" + name;
    check_round_trip(variant);
    const auto parsed = parse_variant(variant);
    REQUIRE(parsed.has_value());
    REQUIRE(std::holds_alternative<NoarchVariant>(*parsed));
    CHECK(std::get<NoarchVariant>(*parsed).backend_name == name);
  }
  // Any name parses, dashes included, as in the reference.
  const auto multi = parse_variant("torch-foo-bar");
  REQUIRE(multi.has_value());
  CHECK(std::get<NoarchVariant>(*multi).backend_name == "foo-bar");
  CHECK(kernels::to_string(*multi) == "torch-foo-bar");
}

TEST_CASE("variant: every variant of the reference lockfiles round-trips") {
  const std::filesystem::path root =
      std::filesystem::path(KERNELS_FIXTURES_DIR) / "reference-locks";
  const std::vector<std::string> folders = {"kernel_locking", "layer_locking",
                                            "v0.9.0-kernel_locking", "v0.9.0-layer_locking"};
  std::size_t checked = 0;
  for (const auto& folder : folders) {
    const std::filesystem::path path = root / folder / "kernels.lock";
    CAPTURE(path.string());
    std::ifstream file(path);
    REQUIRE(file.good());
    const nlohmann::json lock = nlohmann::json::parse(file);
    REQUIRE(lock.is_array());
    for (const auto& entry : lock) {
      for (const auto& item : entry.at("variants").items()) {
        check_round_trip(item.key());
        ++checked;
      }
    }
  }
  // 52 + 4 (kernel_locking), 4 (layer_locking), 19 + 1 (v0.9.0 kernel), 1 (v0.9.0 layer).
  CHECK(checked == 81);
}

TEST_CASE("variant: torch framework version and ABI tag") {
  const auto tagged = parse_arch("torch210-cxx11-cu128-x86_64-linux");
  const auto& torch = std::get<TorchFramework>(tagged.framework);
  CHECK(torch.version == MajorMinor{2, 10});
  CHECK(torch.cxx11_abi == true);
  CHECK(tagged.arch.backend == Backend{BackendKind::cuda, MajorMinor{12, 8}});
  CHECK(tagged.arch.cpu == "x86_64");
  CHECK(tagged.arch.os == "linux");

  const auto cxx98 = parse_arch("torch25-cxx98-cu118-x86_64-linux");
  CHECK(std::get<TorchFramework>(cxx98.framework).version == MajorMinor{2, 5});
  CHECK(std::get<TorchFramework>(cxx98.framework).cxx11_abi == false);

  const auto untagged = parse_arch("torch213-metal-aarch64-darwin");
  CHECK(std::get<TorchFramework>(untagged.framework).version == MajorMinor{2, 13});
  CHECK_FALSE(std::get<TorchFramework>(untagged.framework).cxx11_abi.has_value());
  CHECK(untagged.arch.backend == Backend{BackendKind::metal, std::nullopt});
}

TEST_CASE("variant: stable ABI and tvm-ffi versions") {
  const auto stable = parse_arch("torch-stable-abi211-cu128-x86_64-linux");
  CHECK(std::get<TorchStableAbiFramework>(stable.framework).version == MajorMinor{2, 11});
  const auto tvm = parse_arch("tvm-ffi01-cu130-x86_64-linux");
  CHECK(std::get<TvmFfiFramework>(tvm.framework).version == MajorMinor{0, 1});
  // The major is one digit, the rest is the minor.
  const auto tvm_ten = parse_arch("tvm-ffi010-cpu-x86_64-linux");
  CHECK(std::get<TvmFfiFramework>(tvm_ten.framework).version == MajorMinor{0, 10});
}

TEST_CASE("variant: backend versions take the last digit as the minor") {
  const auto version_of = [](std::string_view text) {
    const auto backend = kernels::parse_backend(text);
    REQUIRE_MESSAGE(backend.has_value(), backend.error().message);
    REQUIRE(backend->version.has_value());
    CHECK(kernels::to_string(*backend) == text);
    return *backend->version;
  };
  CHECK(version_of("cu128") == MajorMinor{12, 8});
  CHECK(version_of("cu130") == MajorMinor{13, 0});
  CHECK(version_of("cu90") == MajorMinor{9, 0});
  CHECK(version_of("rocm71") == MajorMinor{7, 1});
  CHECK(version_of("xpu20253") == MajorMinor{2025, 3});
  CHECK(version_of("cann80") == MajorMinor{8, 0});
  CHECK(kernels::parse_backend("cu128")->kind == BackendKind::cuda);
  CHECK(kernels::parse_backend("rocm70")->kind == BackendKind::rocm);
  CHECK(kernels::parse_backend("xpu20253")->kind == BackendKind::xpu);
  CHECK(kernels::parse_backend("cann80")->kind == BackendKind::cann);
  for (const std::string_view plain : {"cpu", "metal", "neuron", "tpu"}) {
    const auto backend = kernels::parse_backend(plain);
    REQUIRE(backend.has_value());
    CHECK_FALSE(backend->version.has_value());
    CHECK(kernels::to_string(*backend) == plain);
    CHECK(kernels::backend_name(backend->kind) == plain);
  }
  CHECK(kernels::to_string(MajorMinor{2025, 3}) == "2025.3");
}

TEST_CASE("variant: malformed backends are refused") {
  for (const std::string_view bad : {"cuda", "cu", "cu1", "cu12x", "rocm", "xpu", "cann8", "gpu",
                                     "CPU", "cu0128", "cu12345678901"}) {
    CAPTURE(bad);
    CHECK_FALSE(kernels::parse_backend(bad).has_value());
  }
  // A versioned kind without a version is spelled by its prefix, which no name matches.
  CHECK(kernels::to_string(Backend{BackendKind::cuda, std::nullopt}) == "cu");
}

TEST_CASE("variant: invalid names are refused with the name and the reason") {
  CHECK(contains(parse_error(""), "empty"));
  CHECK(contains(parse_error("torch"), "needs a backend name"));
  CHECK(contains(parse_error("torch-"), "empty dash-separated part"));
  CHECK(contains(parse_error("torch210-cxx11-cu12x-x86_64-linux"), "backend 'cu12x'"));
  CHECK(contains(parse_error("foo-cpu-x86_64-linux"), "unknown framework 'foo'"));
  CHECK(contains(parse_error("foo-cpu-x86_64-linux"), "'foo-cpu-x86_64-linux'"));
  CHECK(contains(parse_error("torch210-cxx11-cpu-x86_64"), "exactly 3 parts"));
  CHECK(contains(parse_error("torch210-cxx11-cpu-x86_64"), "found 2"));
  CHECK(contains(parse_error("torch210-cxx11-cpu-x86_64-linux-extra"), "found 4"));
  CHECK(contains(parse_error("torch210-cxx11"), "found 0"));
  CHECK(contains(parse_error("torchfoo-cpu-x86_64-linux"), "framework 'torchfoo'"));
  CHECK(contains(parse_error("torch2-cpu-x86_64-linux"), "framework 'torch2'"));
  CHECK(contains(parse_error("torch-stable-abi2-cpu-x86_64-linux"), "torch-stable-abi2"));
  CHECK(contains(parse_error("torch-stable-abi211"), "found 0"));
  CHECK(contains(parse_error("torch-stable-abi211-cxx11-cu128-x86_64-linux"), "found 4"));
  CHECK(contains(parse_error("tvm-ffi-cpu-x86_64-linux"), "framework 'tvm-ffi'"));
  CHECK(contains(parse_error("tvm-cpu-x86_64-linux"), "unknown framework 'tvm'"));
  CHECK(contains(parse_error("tvm"), "unknown framework"));
  CHECK(contains(parse_error("tvm-ffi01-cxx11-cpu-x86_64-linux"), "found 4"));
  CHECK(contains(parse_error("torch210-cxx11-cxx11-x86_64-linux"), "unknown backend 'cxx11'"));
}

TEST_CASE("variant: names unsafe as a path component are refused") {
  CHECK(contains(parse_error("torch-../x"), "character '.'"));
  CHECK(contains(parse_error(".."), "character '.'"));
  CHECK(contains(parse_error("torch210-cxx11-cpu-x86_64-linux/../../x"), "character '/'"));
  CHECK(contains(parse_error("torch-cu\\da"), "character '\\\\'"));
  CHECK(contains(parse_error("torch-cuda "), "character ' '"));
  CHECK(contains(parse_error(" torch-cuda"), "offset 0"));
  CHECK(contains(parse_error(std::string("torch-cu\0da", 11)), "character '\\x00'"));
  CHECK(contains(parse_error("torch-cuda\n"), "'torch-cuda\\x0a'"));
  // "é" in UTF-8: the message shows bytes, not the raw character.
  CHECK(contains(parse_error("torch-caf\xc3\xa9"), "character '\\xc3'"));
  CHECK(contains(parse_error("torch210-cxx11-cpu-X86_64-linux"), "character 'X'"));
  CHECK(contains(parse_error("-torch-cuda"), "empty dash-separated part"));
  CHECK(contains(parse_error("torch--cuda"), "empty dash-separated part"));
  CHECK(contains(parse_error("torch210-cxx11-cpu--linux"), "empty dash-separated part"));
  CHECK(contains(parse_error("torch-" + std::string(250, 'a')), "longer than 255"));
  check_round_trip("torch-" + std::string(249, 'a'));
}

TEST_CASE("variant: names that would not round-trip are refused") {
  CHECK(contains(parse_error("torch201-cpu-x86_64-linux"), "leading zero"));
  CHECK(contains(parse_error("torch2010-cpu-x86_64-linux"), "leading zero"));
  CHECK(contains(parse_error("torch210-cxx11-cu0128-x86_64-linux"), "leading zero"));
  CHECK(contains(parse_error("tvm-ffi001-cpu-x86_64-linux"), "leading zero"));
  CHECK(contains(parse_error("torch-stable-abi201-cpu-x86_64-linux"), "leading zero"));
  CHECK(contains(parse_error("torch21234567890-cpu-x86_64-linux"), "too many digits"));
  // A single zero is a number, not a leading zero.
  check_round_trip("torch20-cpu-x86_64-linux");
  check_round_trip("torch210-cxx11-cu08-x86_64-linux");
}

TEST_CASE("variant: to_string of hand-built variants") {
  const kernels::Variant arch =
      ArchVariant{TorchFramework{MajorMinor{2, 12}, true},
                  kernels::Arch{Backend{BackendKind::xpu, MajorMinor{2025, 3}}, "x86_64", "linux"}};
  CHECK(kernels::to_string(arch) == "torch212-cxx11-xpu20253-x86_64-linux");
  const kernels::Variant stable =
      ArchVariant{TorchStableAbiFramework{MajorMinor{2, 9}},
                  kernels::Arch{Backend{BackendKind::cpu, std::nullopt}, "aarch64", "darwin"}};
  CHECK(kernels::to_string(stable) == "torch-stable-abi29-cpu-aarch64-darwin");
  CHECK(kernels::to_string(kernels::Variant{NoarchVariant{"universal"}}) == "torch-universal");
  CHECK(parse_variant(kernels::to_string(arch)) == arch);
}
