// Parses a kernel mapping and kernelizes a libtorch module with the installed kernels::torch, and
// prints the outcome; tests/packaging/test_packaging.py checks the lines.
//
//   kernels-torch-consumer LOCKFILE
#include <iostream>

#include <torch/nn/modules/linear.h>

#include "kernels/torch/kernelize.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: kernels-torch-consumer LOCKFILE\n";
    return 2;
  }
  const auto mapping = kernels::torch::parse_kernel_mapping_config(
      "[layers]\nSiluAndMul = \"kernels-community/activation:SiluAndMul\"\n", false,
      "kernels.toml");
  if (!mapping) {
    std::cout << "mapping: " << mapping.error().describe() << '\n';
    return 1;
  }
  kernels::LoaderOptions options;
  options.lockfile = argv[1];
  options.system = kernels::SystemInfo{.os = "linux", .cpu = "x86_64"};
  auto loader = kernels::Loader::open(options);
  if (!loader) {
    std::cout << "open: " << loader.error().describe() << '\n';
    return 1;
  }
  // A module without kernel layers: kernelize walks it and leaves it as it is.
  ::torch::nn::Linear linear(2, 2);
  const auto report = kernels::torch::kernelize(*linear, *mapping, *loader);
  if (!report) {
    std::cout << "kernelize: " << report.error().describe() << '\n';
    return 1;
  }
  std::cout << "kernelize: " << report->kernelized_count() << " of " << report->layers.size()
            << " layers on " << report->device << '\n';
  return 0;
}
