#include <doctest/doctest.h>

#include "kernels/torch/mapping.hpp"

using kernels::torch::DeviceSpec;
using kernels::torch::KernelMapping;
using kernels::torch::LayerLookup;
using kernels::torch::LayerRepository;
using kernels::torch::Mode;

namespace {

LayerRepository repo(const char* text) {
  return LayerRepository::parse(text).value();
}

}  // namespace

TEST_CASE("mapping: a repository is org/repo:Layer") {
  const auto parsed = LayerRepository::parse("kernels-community/activation:SiluAndMul");
  REQUIRE(parsed);
  CHECK(parsed->repo_id == "kernels-community/activation");
  CHECK(parsed->layer_name == "SiluAndMul");
  CHECK_FALSE(LayerRepository::parse("kernels-community/activation"));
  CHECK_FALSE(LayerRepository::parse("not a repo:Layer"));
  CHECK_FALSE(LayerRepository::parse("org/repo:"));
}

TEST_CASE("mapping: modes combine as the reference allows") {
  CHECK(kernels::torch::validate_kernelize_mode(Mode::inference));
  CHECK(kernels::torch::validate_kernelize_mode(Mode::training | Mode::torch_compile));
  CHECK_FALSE(kernels::torch::validate_kernelize_mode(Mode::fallback));
  CHECK_FALSE(kernels::torch::validate_kernelize_mode(Mode::torch_compile));
  CHECK_FALSE(kernels::torch::validate_kernelize_mode(Mode::inference | Mode::training));
  CHECK(kernels::torch::parse_mode("training|torch_compile").value() ==
        (Mode::training | Mode::torch_compile));
  CHECK(kernels::torch::parse_mode("inference+torch_compile").value() ==
        (Mode::inference | Mode::torch_compile));
  CHECK_FALSE(kernels::torch::parse_mode("fallback|training"));
  CHECK(kernels::torch::to_string(Mode::inference | Mode::torch_compile) ==
        "inference|torch_compile");
}

TEST_CASE("mapping: inference falls back through the reference's order") {
  KernelMapping mapping;
  REQUIRE(mapping.set(
      "RMSNorm", DeviceSpec::cpu(),
      {{Mode::training, repo("org/train:RMSNorm")}, {Mode::fallback, repo("org/any:RMSNorm")}}));
  const auto inference = mapping.lookup("RMSNorm", "cpu", std::nullopt, Mode::inference);
  CHECK(inference.outcome == LayerLookup::Outcome::found);
  CHECK(inference.repository.repo_id == "org/train");  // training comes before fallback
  const auto compile =
      mapping.lookup("RMSNorm", "cpu", std::nullopt, Mode::inference | Mode::torch_compile);
  CHECK(compile.repository.repo_id == "org/any");  // training without compile is not tried
}

TEST_CASE("mapping: a non-capability device's entry is replaced wholesale") {
  KernelMapping mapping;
  REQUIRE(mapping.set("RMSNorm", DeviceSpec::cpu(), {{Mode::inference, repo("org/a:L")}}));
  REQUIRE(mapping.set("RMSNorm", DeviceSpec::cpu(), {{Mode::training, repo("org/b:L")}}));
  CHECK(mapping.lookup("RMSNorm", "cpu", std::nullopt, Mode::inference).repository.repo_id ==
        "org/b");
  CHECK(mapping.lookup("RMSNorm", "cpu", std::nullopt, Mode::training | Mode::torch_compile)
            .outcome == LayerLookup::Outcome::no_mode);
}

TEST_CASE("mapping: the smallest capability range holding the GPU wins") {
  KernelMapping mapping;
  REQUIRE(mapping.set("Attention", DeviceSpec::cuda(), repo("org/generic:A")));
  REQUIRE(mapping.set("Attention", DeviceSpec::cuda(80, 89), repo("org/ampere:A")));
  REQUIRE(mapping.set("Attention", DeviceSpec::cuda(90, 90), repo("org/hopper:A")));
  CHECK(mapping.lookup("Attention", "cuda", 90, Mode::inference).repository.repo_id ==
        "org/hopper");
  CHECK(mapping.lookup("Attention", "cuda", 86, Mode::inference).repository.repo_id ==
        "org/ampere");
  CHECK(mapping.lookup("Attention", "cuda", 75, Mode::inference).repository.repo_id ==
        "org/generic");

  KernelMapping narrow;
  REQUIRE(narrow.set("Attention", DeviceSpec::cuda(90, 100), repo("org/hopper:A")));
  CHECK(narrow.lookup("Attention", "cuda", 80, Mode::inference).outcome ==
        LayerLookup::Outcome::no_capability);
  CHECK(narrow.lookup("Attention", "rocm", 80, Mode::inference).outcome ==
        LayerLookup::Outcome::no_device);
  CHECK(narrow.lookup("MLP", "cuda", 90, Mode::inference).outcome ==
        LayerLookup::Outcome::no_layer);
  CHECK_FALSE(narrow.set("Attention", DeviceSpec{"gpu"}, repo("org/x:A")));
}

TEST_CASE("mapping: disabling wins over every registration") {
  KernelMapping mapping;
  REQUIRE(mapping.set("RMSNorm", DeviceSpec::cpu(), repo("org/a:RMSNorm")));
  mapping.disable("RMSNorm");
  CHECK(mapping.lookup("RMSNorm", "cpu", std::nullopt, Mode::inference).outcome ==
        LayerLookup::Outcome::disabled);
}

TEST_CASE("mapping config: the KernelConfig form in kernels.toml") {
  const auto mapping = kernels::torch::parse_kernel_mapping_config(R"(
[dependencies]
"org/norm" = 1

[layers]
RMSNorm = { cuda = "org/norm:RMSNorm", cpu = "org/norm:RMSNormCpu" }
SiluAndMul = "org/act:SiluAndMul"
GeluAndMul = ""

[layers.Attention.cuda]
inference = "org/attn:Fast"
training = "org/attn:WithBackward"
)",
                                                                   false, "kernels.toml");
  REQUIRE(mapping);
  CHECK(mapping->lookup("RMSNorm", "cpu", std::nullopt, Mode::inference).repository.layer_name ==
        "RMSNormCpu");
  CHECK(mapping->lookup("SiluAndMul", "xpu", std::nullopt, Mode::training).repository.repo_id ==
        "org/act");
  CHECK(mapping->lookup("GeluAndMul", "cuda", 90, Mode::inference).outcome ==
        LayerLookup::Outcome::disabled);
  CHECK(mapping->lookup("Attention", "cuda", 90, Mode::training).repository.layer_name ==
        "WithBackward");
}

TEST_CASE("mapping config: [tool.kernels.layers] in pyproject.toml, errors with a location") {
  const auto mapping = kernels::torch::parse_kernel_mapping_config(
      "[tool.kernels.layers]\nRMSNorm = \"org/norm:RMSNorm\"\n", true, "pyproject.toml");
  REQUIRE(mapping);
  CHECK(mapping->lookup("RMSNorm", "cuda", 80, Mode::inference).outcome ==
        LayerLookup::Outcome::found);

  const auto bad_device = kernels::torch::parse_kernel_mapping_config(
      "[layers]\nRMSNorm = { gpu = \"org/norm:RMSNorm\" }\n", false, "kernels.toml");
  REQUIRE_FALSE(bad_device);
  CHECK(bad_device.error().location == "kernels.toml:2:13");
  CHECK(bad_device.error().message.find("Unknown device type: gpu") != std::string::npos);

  const auto bad_repo = kernels::torch::parse_kernel_mapping_config(
      "[layers]\nRMSNorm = \"org/norm\"\n", false, "kernels.toml");
  REQUIRE_FALSE(bad_repo);
  CHECK(bad_repo.error().message.find("org/repo:LayerName") != std::string::npos);

  const auto none = kernels::torch::parse_kernel_mapping_config("[dependencies]\n", false, "k");
  REQUIRE(none);
  CHECK(none->empty());
}
