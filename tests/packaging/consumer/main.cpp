// Opens a lockfile with the installed loader through its C++ API and its C API, and prints what
// each says; or calls every function the installed model and environment headers declare.
// tests/packaging/test_install.py checks the lines.
//
//   kernels-consumer LOCKFILE
//   kernels-consumer --model-api VARIANT
#include <iostream>
#include <memory>
#include <string_view>
#include <variant>

#include "kernels/loader/loader.hpp"
#include "kernels/model/dependency.hpp"
#include "kernels/model/metadata.hpp"
#include "kernels/model/system_info.hpp"
#include "kernels/model/variant.hpp"
#include "kernels/util/environment.hpp"

#include "kernels_loader.h"

namespace {

void print_error(const char* what, const kernels::Error& error) {
  std::cout << what << ": " << kernels::to_string(error.code) << ": " << error.describe() << '\n';
}

// The system is given, so that no Torch is needed to describe it.
void use_cpp_api(const char* lockfile) {
  kernels::LoaderOptions options;
  options.lockfile = lockfile;
  options.system = kernels::SystemInfo{.os = "linux", .cpu = "x86_64"};
  auto loader = kernels::Loader::open(options);
  if (!loader) {
    print_error("c++ open", loader.error());
    return;
  }
  std::cout << "c++ open: ok, " << loader->locked_repos().size() << " locked\n";
  const auto kernel = loader->load("kernels-community/relu");
  if (!kernel) print_error("c++ load", kernel.error());
}

int use_c_api(const char* lockfile) {
  kernels_loader_options options = {};
  options.lockfile = lockfile;
  kernels_loader* loader = nullptr;
  kernels_error* error = nullptr;
  const kernels_status status = kernels_loader_open(&options, &loader, &error);
  if (status != KERNELS_OK) {
    std::cout << "c open: " << static_cast<int>(status) << ": " << kernels_error_message(error)
              << '\n';
    kernels_error_free(error);
    return static_cast<int>(status);
  }
  std::cout << "c open: ok\n";
  kernels_loader_close(loader);
  return 0;
}

// Each line names the function; a function declared but not exported fails the link instead.
int use_model_api(const char* variant_name) {
  const auto variant = kernels::parse_variant(variant_name);
  if (!variant) {
    print_error("parse_variant", variant.error());
    return 1;
  }
  std::cout << "variant: " << kernels::to_string(*variant) << '\n';
  if (const auto* arch = std::get_if<kernels::ArchVariant>(&*variant)) {
    std::cout << "framework: " << kernels::to_string(arch->framework) << '\n';
    std::cout << "backend: " << kernels::to_string(arch->arch.backend) << ' '
              << kernels::backend_name(arch->arch.backend.kind) << '\n';
  }
  const auto backend = kernels::parse_backend("cu128");
  if (backend && backend->version) {
    std::cout << "parse_backend: " << kernels::to_string(*backend->version) << '\n';
  }
  const auto macos = kernels::parse_macos_version("15.7.1");
  if (macos) std::cout << "macos: " << kernels::to_string(*macos) << '\n';
  std::cout << "requirement: " << kernels::describe(kernels::MajorVersion{1}) << '\n';
  const auto metadata = kernels::parse_metadata(
      R"({"name": "relu", "id": "_relu_cpu_0", "version": 1, "license": "Apache-2.0",
          "python-depends": [], "backend": {"type": "cpu"}})",
      "metadata.json");
  if (metadata) std::cout << "metadata: " << metadata->name << ' ' << metadata->version << '\n';
  if (!metadata) print_error("parse_metadata", metadata.error());
  std::cout << "backend type cuda: " << kernels::is_metadata_backend_type("cuda") << '\n';
  const auto missing = kernels::read_metadata("/nonexistent/metadata.json");
  if (!missing) std::cout << "read_metadata: " << kernels::to_string(missing.error().code) << '\n';
  auto environment = kernels::Environment::from_process();
  std::cout << "environment: " << environment.get("KERNELS_CONSUMER_MARK").value_or("(unset)");
  environment.unset("KERNELS_CONSUMER_MARK");
  std::cout << ' ' << environment.get_non_empty("KERNELS_CONSUMER_MARK").value_or("(unset)")
            << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--model-api") return use_model_api(argv[2]);
  if (argc != 2) {
    std::cerr << "usage: kernels-consumer LOCKFILE | --model-api VARIANT\n";
    return 2;
  }
  use_cpp_api(argv[1]);
  return use_c_api(argv[1]);
}
