// Opens a lockfile with the installed loader through its C++ API and its C API, and prints what
// each says; tests/packaging/test_packaging.py checks the lines.
//
//   kernels-consumer LOCKFILE
#include <iostream>
#include <memory>

#include "kernels/loader/loader.hpp"

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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: kernels-consumer LOCKFILE\n";
    return 2;
  }
  use_cpp_api(argv[1]);
  return use_c_api(argv[1]);
}
