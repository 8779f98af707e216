#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/model/variant_selection.hpp"
#include "kernels/system/detect.hpp"

namespace {

namespace fs = std::filesystem;
using kernels::Backend;
using kernels::BackendKind;
using kernels::DetectOptions;
using kernels::Environment;
using kernels::ErrorCode;
using kernels::MajorMinor;
using kernels::TorchSource;

constexpr const char* kCudaVersionPy =
    "from typing import Optional\n\n"
    "__version__ = '2.11.0+cu128'\n"
    "debug = False\n"
    "cuda: Optional[str] = '12.8'\n"
    "git_version = 'e0b1c2d3'\n"
    "hip: Optional[str] = None\n"
    "xpu: Optional[str] = None\n";
constexpr const char* kCxx11Config =
    "if(CMAKE_SYSTEM_NAME STREQUAL \"Linux\")\n"
    "  set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=1\")\n"
    "endif()\n";

fs::path scratch_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("kernels-system-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Canonical, so that paths resolved through symlinks compare equal to the expected ones.
  return fs::canonical(dir);
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A torch package folder as a wheel installs it: version.py and, optionally, TorchConfig.cmake.
fs::path make_torch(const fs::path& torch_dir, const std::string& version_py,
                    const std::string& torch_config = kCxx11Config) {
  write_file(torch_dir / "version.py", version_py);
  if (!torch_config.empty()) {
    write_file(torch_dir / "share" / "cmake" / "Torch" / "TorchConfig.cmake", torch_config);
  }
  return torch_dir;
}

std::string version_py(const std::string& version, const std::string& cuda = "None") {
  return "__version__ = '" + version + "'\ncuda: Optional[str] = " + cuda + "\n";
}

// Options that look only where a test points: no system folders, no CUDA runtime.
DetectOptions hermetic() {
  DetectOptions options;
  options.search_system_site_packages = false;
  options.probe_cuda_runtime = false;
  return options;
}

// A minimal little-endian ELF64 shared object whose dynamic string table holds `strings`.
std::string elf_with_dynamic_strings(const std::string& strings) {
  const std::string table = std::string(1, '\0') + strings + std::string(1, '\0');
  const std::uint64_t table_offset = 64;
  const std::uint64_t section_offset = (table_offset + table.size() + 7) / 8 * 8;
  std::string image(section_offset + 3 * 64, '\0');
  const auto put = [&image](std::size_t at, std::uint64_t value, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) {
      image[at + i] = static_cast<char>((value >> (8 * i)) & 0xFFU);
    }
  };
  image.replace(0, 4,
                "\x7f"
                "ELF");
  put(4, 2, 1);                  // ELFCLASS64
  put(5, 1, 1);                  // little endian
  put(6, 1, 1);                  // EV_CURRENT
  put(16, 3, 2);                 // ET_DYN
  put(18, 62, 2);                // EM_X86_64
  put(0x28, section_offset, 8);  // e_shoff
  put(0x34, 64, 2);              // e_ehsize
  put(0x3A, 64, 2);              // e_shentsize
  put(0x3C, 3, 2);               // e_shnum
  image.replace(table_offset, table.size(), table);
  const std::size_t dynsym = section_offset + 64;
  put(dynsym + 4, 11, 4);  // SHT_DYNSYM
  put(dynsym + 40, 2, 4);  // sh_link -> section 2
  const std::size_t strtab = section_offset + 128;
  put(strtab + 4, 3, 4);  // SHT_STRTAB
  put(strtab + 24, table_offset, 8);
  put(strtab + 32, table.size(), 8);
  return image;
}

bool has_warning_containing(const kernels::DetectedSystem& detected, const std::string& text) {
  for (const auto& warning : detected.warnings) {
    if (warning.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("system: Torch in $VIRTUAL_ENV, newest python3.* first") {
  const auto root = scratch_dir("venv");
  make_torch(root / "lib/python3.9/site-packages/torch", version_py("2.5.1", "'12.1'"));
  const auto torch_dir =
      make_torch(root / "lib/python3.10/site-packages/torch", kCudaVersionPy, kCxx11Config);
  Environment env;
  env.set("VIRTUAL_ENV", root.string());

  auto detected = kernels::detect_system(hermetic(), env);
  REQUIRE(detected);
  REQUIRE(detected->torch.has_value());
  CHECK(detected->torch->directory == torch_dir);
  CHECK(detected->torch->source == TorchSource::virtual_env);
  CHECK(detected->torch->source_detail == root.string());
  CHECK(detected->torch->version_file.version == "2.11.0+cu128");
  CHECK(detected->system.torch_version == MajorMinor{2, 11});
  CHECK(detected->system.backend == Backend{BackendKind::cuda, MajorMinor{12, 8}});
  CHECK(detected->backend_origin == "torch.version.cuda = '12.8'");
  CHECK(detected->torch_search_path.front() == root / "lib/python3.10/site-packages");
  CHECK_FALSE(detected->system.os.empty());
  CHECK_FALSE(detected->system.cpu.empty());
#ifdef __linux__
  CHECK(detected->system.os == "linux");
  CHECK(detected->system.torch_cxx11_abi == true);
  CHECK(detected->torch->cxx11_abi_origin ==
        (torch_dir / "share/cmake/Torch/TorchConfig.cmake").string());
  CHECK(detected->warnings.empty());

  // What was detected selects the variant built for it.
  const std::vector<std::string> names{"torch211-cxx11-cu128-" + detected->system.cpu + "-linux",
                                       "torch211-cxx11-cu130-" + detected->system.cpu + "-linux",
                                       "torch210-cxx11-cu128-" + detected->system.cpu + "-linux",
                                       "torch-cpu"};
  const auto selection = kernels::select_variant(names, detected->system);
  REQUIRE(selection.best() != nullptr);
  CHECK(selection.best()->name == names[0]);
#endif
}

TEST_CASE("system: $KERNELS_TORCH_DIR comes before $VIRTUAL_ENV, the option before both") {
  const auto root = scratch_dir("explicit");
  make_torch(root / "venv/lib/python3.12/site-packages/torch", kCudaVersionPy);
  const auto env_torch = make_torch(root / "env/torch", version_py("2.10.0+cpu"));
  const auto option_site = root / "option-site";
  make_torch(option_site / "torch", version_py("2.9.0+cu126", "'12.6'"));
  Environment env;
  env.set("VIRTUAL_ENV", (root / "venv").string());
  env.set("KERNELS_TORCH_DIR", env_torch.string());

  auto from_env = kernels::detect_system(hermetic(), env);
  REQUIRE(from_env);
  REQUIRE(from_env->torch.has_value());
  CHECK(from_env->torch->source == TorchSource::kernels_torch_dir);
  CHECK(from_env->torch->directory == env_torch);
  CHECK(from_env->system.torch_version == MajorMinor{2, 10});
  CHECK(from_env->system.backend == Backend{BackendKind::cpu, std::nullopt});
  CHECK(from_env->torch_search_path == std::vector<fs::path>{env_torch});

  // The option may also name the site-packages folder that holds torch/.
  auto options = hermetic();
  options.torch_dir = option_site;
  auto from_option = kernels::detect_system(options, env);
  REQUIRE(from_option);
  CHECK(from_option->torch->source == TorchSource::option);
  CHECK(from_option->torch->directory == option_site / "torch");
  CHECK(from_option->system.backend == Backend{BackendKind::cuda, MajorMinor{12, 6}});
}

TEST_CASE("system: an explicit folder without Torch is an error, not a fallback") {
  const auto root = scratch_dir("explicit-empty");
  make_torch(root / "venv/lib/python3.12/site-packages/torch", kCudaVersionPy);
  Environment env;
  env.set("VIRTUAL_ENV", (root / "venv").string());
  env.set("KERNELS_TORCH_DIR", (root / "nothing-here").string());
  auto detected = kernels::detect_system(hermetic(), env);
  REQUIRE_FALSE(detected);
  CHECK(detected.error().code == ErrorCode::not_found);
  CHECK(detected.error().location == (root / "nothing-here").string());
  CHECK(detected.error().message.find("KERNELS_TORCH_DIR") != std::string::npos);
}

TEST_CASE("system: a libtorch folder read through build-version") {
  const auto root = scratch_dir("libtorch");
  write_file(root / "libtorch/build-version", "2.6.0+cu124\n");
  write_file(root / "libtorch/share/cmake/Torch/TorchConfig.cmake",
             "set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=0\")\n");
  auto options = hermetic();
  options.torch_dir = root / "libtorch";
  auto detected = kernels::detect_system(options, Environment{});
  REQUIRE(detected);
  CHECK(detected->torch->version_file.version == "2.6.0+cu124");
  CHECK(detected->system.torch_version == MajorMinor{2, 6});
  CHECK(detected->system.backend == Backend{BackendKind::cuda, MajorMinor{12, 4}});
#ifdef __linux__
  CHECK(detected->system.torch_cxx11_abi == false);
#endif
}

#ifdef __linux__
TEST_CASE("system: C++11 ABI from libc10.so's dynamic symbols when TorchConfig.cmake is silent") {
  const auto root = scratch_dir("elf");
  const auto new_abi = make_torch(root / "new/torch", kCudaVersionPy, "find_package(Caffe2)\n");
  write_file(new_abi / "lib/libc10.so",
             elf_with_dynamic_strings(
                 "_ZN3c105ErrorC1ENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEES5_PKv"));
  const auto old_abi = make_torch(root / "old/torch", kCudaVersionPy, "");
  write_file(old_abi / "lib/libc10.so", elf_with_dynamic_strings("_ZN3c105ErrorC1ESsSsPKv"));
  const auto broken = make_torch(root / "broken/torch", kCudaVersionPy, "");
  write_file(broken / "lib/libc10.so",
             "\x7f"
             "ELF but not really");

  auto options = hermetic();
  options.torch_dir = new_abi;
  auto detected_new = kernels::detect_system(options, Environment{});
  REQUIRE(detected_new);
  CHECK(detected_new->system.torch_cxx11_abi == true);
  CHECK(detected_new->torch->cxx11_abi_origin == (new_abi / "lib/libc10.so").string());

  options.torch_dir = old_abi;
  auto detected_old = kernels::detect_system(options, Environment{});
  REQUIRE(detected_old);
  CHECK(detected_old->system.torch_cxx11_abi == false);

  options.torch_dir = broken;
  auto detected_broken = kernels::detect_system(options, Environment{});
  REQUIRE(detected_broken);
  CHECK_FALSE(detected_broken->system.torch_cxx11_abi.has_value());
  CHECK(has_warning_containing(*detected_broken, "C++11 ABI"));
}

#if defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI
TEST_CASE("system: C++11 ABI read from a real ELF file (this test program)") {
  // Built with libstdc++'s new ABI, this program imports std::__cxx11 functions.
  const auto root = scratch_dir("elf-real");
  const auto torch_dir = make_torch(root / "torch", kCudaVersionPy, "");
  fs::create_directories(torch_dir / "lib");
  fs::create_symlink(fs::read_symlink("/proc/self/exe"), torch_dir / "lib/libc10.so");
  auto options = hermetic();
  options.torch_dir = torch_dir;
  auto detected = kernels::detect_system(options, Environment{});
  REQUIRE(detected);
  CHECK(detected->system.torch_cxx11_abi == true);
}
#endif
#endif

TEST_CASE("system: Torch beside the python3 on PATH, found without running it") {
  const auto root = scratch_dir("path");
  // A plain installation: bin/python3 -> python3.11, lib/python3.11/site-packages.
  write_file(root / "prefix/bin/python3.11", "");
  fs::create_symlink("python3.11", root / "prefix/bin/python3");
  make_torch(root / "prefix/lib/python3.11/site-packages/torch", version_py("2.9.1"));
  // Another python3.* folder of the same prefix is not the interpreter's.
  make_torch(root / "prefix/lib/python3.12/site-packages/torch", version_py("2.11.0"));
  fs::create_directories(root / "empty/bin");

  Environment env;
  env.set("PATH",
          "relative/bin:" + (root / "empty/bin").string() + ":" + (root / "prefix/bin").string());
  auto detected = kernels::detect_system(hermetic(), env);
  REQUIRE(detected);
  REQUIRE(detected->torch.has_value());
  CHECK(detected->torch->source == TorchSource::python_on_path);
  CHECK(detected->torch->source_detail == (root / "prefix/bin/python3").string());
  CHECK(detected->torch->directory == root / "prefix/lib/python3.11/site-packages/torch");
  CHECK(detected->system.torch_version == MajorMinor{2, 9});

  // A symlink into another prefix counts as that prefix.
  write_file(root / "real/bin/python3.10", "");
  make_torch(root / "real/lib/python3.10/site-packages/torch", version_py("2.8.0"));
  fs::create_directories(root / "links/bin");
  fs::create_symlink(root / "real/bin/python3.10", root / "links/bin/python3");
  env.set("PATH", (root / "links/bin").string());
  auto linked = kernels::detect_system(hermetic(), env);
  REQUIRE(linked);
  REQUIRE(linked->torch.has_value());
  CHECK(linked->system.torch_version == MajorMinor{2, 8});
}

TEST_CASE("system: a virtual environment's python3 on PATH uses its own site-packages") {
  const auto root = scratch_dir("path-venv");
  write_file(root / "base/bin/python3.12", "");
  make_torch(root / "base/lib/python3.12/site-packages/torch", version_py("2.7.0"));
  write_file(root / "venv/pyvenv.cfg", "home = " + (root / "base/bin").string() +
                                           "\ninclude-system-site-packages = false\n"
                                           "version = 3.12.1\n");
  fs::create_directories(root / "venv/bin");
  fs::create_symlink(root / "base/bin/python3.12", root / "venv/bin/python3");
  fs::create_directories(root / "venv/lib/python3.12/site-packages");
  Environment env;
  env.set("PATH", (root / "venv/bin").string());

  auto isolated = kernels::detect_system(hermetic(), env);
  REQUIRE(isolated);
  CHECK_FALSE(isolated->torch.has_value());

  write_file(root / "venv/pyvenv.cfg", "home = " + (root / "base/bin").string() +
                                           "\ninclude-system-site-packages = true\n"
                                           "version = 3.12.1\n");
  auto inherited = kernels::detect_system(hermetic(), env);
  REQUIRE(inherited);
  REQUIRE(inherited->torch.has_value());
  CHECK(inherited->system.torch_version == MajorMinor{2, 7});

  make_torch(root / "venv/lib/python3.12/site-packages/torch", version_py("2.11.0"));
  auto own = kernels::detect_system(hermetic(), env);
  REQUIRE(own);
  CHECK(own->system.torch_version == MajorMinor{2, 11});
}

TEST_CASE("system: Torch in the user's ~/.local") {
  const auto root = scratch_dir("home");
  make_torch(root / ".local/lib/python3.11/site-packages/torch", version_py("2.10.0+cpu"));
  Environment env;
  env.set("HOME", root.string());
  auto detected = kernels::detect_system(hermetic(), env);
  REQUIRE(detected);
  REQUIRE(detected->torch.has_value());
  CHECK(detected->torch->source == TorchSource::user_site);
  CHECK(detected->system.torch_version == MajorMinor{2, 10});
}

TEST_CASE("system: a broken version.py is an error naming the file") {
  const auto root = scratch_dir("broken");
  make_torch(root / "lib/python3.12/site-packages/torch", "__version__ = 2.11\n");
  Environment env;
  env.set("VIRTUAL_ENV", root.string());
  auto detected = kernels::detect_system(hermetic(), env);
  REQUIRE_FALSE(detected);
  CHECK(detected.error().code == ErrorCode::invalid_input);
  CHECK(detected.error().location.find("site-packages/torch/version.py") != std::string::npos);
}

TEST_CASE("system: backend override through detect_system") {
  const auto root = scratch_dir("override");
  const auto torch_dir = make_torch(root / "torch", kCudaVersionPy);
  auto options = hermetic();
  options.torch_dir = torch_dir;
  options.backend = "cpu";
  auto cpu = kernels::detect_system(options, Environment{});
  REQUIRE(cpu);
  CHECK(cpu->system.backend == Backend{BackendKind::cpu, std::nullopt});
  CHECK(cpu->backend_origin.find("requested backend 'cpu'") != std::string::npos);
  CHECK(cpu->backend_origin.find("cu128") != std::string::npos);

  options.backend = "xpu";
  auto xpu = kernels::detect_system(options, Environment{});
  REQUIRE_FALSE(xpu);
  CHECK(xpu.error().message == "Invalid backend 'xpu', system supported backends: cpu, cuda");
}

TEST_CASE("system: no Torch anywhere") {
  const auto root = scratch_dir("nothing");
  Environment env;
  env.set("HOME", root.string());
  env.set("PATH", (root / "bin").string());

  auto detected = kernels::detect_system(hermetic(), env);
  REQUIRE(detected);
  CHECK_FALSE(detected->torch.has_value());
  CHECK_FALSE(detected->system.torch_version.has_value());
  CHECK_FALSE(detected->system.torch_cxx11_abi.has_value());
  CHECK(detected->system.backend == Backend{BackendKind::cpu, std::nullopt});
  CHECK(detected->backend_origin == "no Torch; CUDA runtime not probed");
  CHECK(has_warning_containing(*detected, "no PyTorch installation found"));

  // Without Torch every arch variant is rejected.
  const std::vector<std::string> names{
      "torch211-cxx11-cpu-" + detected->system.cpu + "-" + detected->system.os, "torch-cpu"};
  const auto selection = kernels::select_variant(names, detected->system);
  REQUIRE(selection.best() != nullptr);
  CHECK(selection.best()->name == "torch-cpu");

  // With the CUDA runtime probe: CPU, or CUDA where a libcudart is installed.
  auto options = hermetic();
  options.probe_cuda_runtime = true;
  auto probed = kernels::detect_system(options, env);
  REQUIRE(probed);
  const auto kind = probed->system.backend.kind;
  CHECK((kind == BackendKind::cpu || kind == BackendKind::cuda));
  if (kind == BackendKind::cuda) CHECK(probed->system.backend.version.has_value());
  MESSAGE("CUDA runtime probe: " << probed->backend_origin);
}
