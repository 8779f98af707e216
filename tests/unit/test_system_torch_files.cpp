#include <string>

#include <doctest/doctest.h>

#include "kernels/system/torch_files.hpp"

namespace {

using kernels::ErrorCode;
using kernels::MajorMinor;
using kernels::parse_libtorch_build_version;
using kernels::parse_torch_config_cxx11_abi;
using kernels::parse_torch_major_minor;
using kernels::parse_torch_version_py;

// The shape PyTorch's build writes (tools/generate_torch_version.py), for a CUDA 12.8 wheel.
constexpr const char* kCudaVersionPy =
    "from typing import Optional\n"
    "\n"
    "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']\n"
    "__version__ = '2.11.0+cu128'\n"
    "debug = False\n"
    "cuda: Optional[str] = '12.8'\n"
    "git_version = '3f5c1a09d3b7e2c4a6f8091b2d4e6f8a0c2e4b61'\n"
    "hip: Optional[str] = None\n"
    "xpu: Optional[str] = None\n";

}  // namespace

TEST_CASE("torch files: version.py of a CUDA wheel") {
  auto file = parse_torch_version_py(kCudaVersionPy);
  REQUIRE(file);
  CHECK(file->version == "2.11.0+cu128");
  CHECK(file->cuda == "12.8");
  CHECK_FALSE(file->hip.has_value());
  CHECK_FALSE(file->xpu.has_value());
  CHECK(file->git_version == "3f5c1a09d3b7e2c4a6f8091b2d4e6f8a0c2e4b61");
  CHECK(file->debug == false);
}

TEST_CASE("torch files: version.py of ROCm, XPU and CPU wheels") {
  auto rocm = parse_torch_version_py(
      "__version__ = '2.9.1+rocm6.4'\ncuda: Optional[str] = None\n"
      "hip: Optional[str] = '6.4.43482-0f2d60242'\nxpu: Optional[str] = None\n");
  REQUIRE(rocm);
  CHECK(rocm->hip == "6.4.43482-0f2d60242");
  CHECK_FALSE(rocm->cuda.has_value());

  auto xpu = parse_torch_version_py(
      "__version__ = '2.8.0+xpu'\ncuda: Optional[str] = None\nhip: Optional[str] = None\n"
      "xpu: Optional[str] = '20250301'\n");
  REQUIRE(xpu);
  CHECK(xpu->xpu == "20250301");

  auto cpu = parse_torch_version_py(
      "__version__ = '2.11.0+cpu'\ndebug = False\ncuda: Optional[str] = None\n"
      "hip: Optional[str] = None\n");
  REQUIRE(cpu);
  CHECK(cpu->version == "2.11.0+cpu");
  CHECK_FALSE(cpu->cuda.has_value());
  CHECK_FALSE(cpu->hip.has_value());
  CHECK_FALSE(cpu->xpu.has_value());
}

TEST_CASE("torch files: version.py without annotations, with double quotes, comments, CRLF") {
  auto file = parse_torch_version_py(
      "__version__ = \"2.4.0\"\r\n"
      "debug = True  # a debug build\r\n"
      "cuda = \"12.1\"   # CUDA it was built with\r\n"
      "git_version = 'Unknown'\r\n"
      "hip = None\r\n");
  REQUIRE(file);
  CHECK(file->version == "2.4.0");
  CHECK(file->debug == true);
  CHECK(file->cuda == "12.1");
  CHECK(file->git_version == "Unknown");
  CHECK_FALSE(file->xpu.has_value());  // older files have no xpu line
}

TEST_CASE("torch files: version.py ignores indented code, comparisons and other names") {
  auto file = parse_torch_version_py(
      "# cuda = '99.9'\n"
      "__version__ = '2.7.0'\n"
      "if False:\n"
      "    cuda = '11.8'\n"
      "cuda == '10.2'\n"
      "hip_extra = [1, 2]\n"
      "cuda: Optional[str] = None\n");
  REQUIRE(file);
  CHECK(file->version == "2.7.0");
  CHECK_FALSE(file->cuda.has_value());
}

TEST_CASE("torch files: a later assignment in version.py replaces an earlier one") {
  auto file = parse_torch_version_py("__version__ = '2.6.0'\ncuda = '12.4'\ncuda = None\n");
  REQUIRE(file);
  CHECK_FALSE(file->cuda.has_value());
}

TEST_CASE("torch files: malformed version.py is an error naming the line") {
  auto missing = parse_torch_version_py("debug = False\ncuda = None\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::invalid_input);
  CHECK(missing.error().message.find("__version__") != std::string::npos);

  auto unquoted = parse_torch_version_py("__version__ = '2.6.0'\ncuda = 12.4\n");
  REQUIRE_FALSE(unquoted);
  CHECK(unquoted.error().location == "version.py:2");
  CHECK(unquoted.error().message.find("12.4") != std::string::npos);

  auto none_version = parse_torch_version_py("__version__ = None\n");
  REQUIRE_FALSE(none_version);
  CHECK(none_version.error().location == "version.py:1");

  CHECK_FALSE(parse_torch_version_py("__version__ = '2.6.0'\ndebug = 'yes'\n"));
  CHECK_FALSE(parse_torch_version_py("__version__ = '2.6.0\n"));
  CHECK_FALSE(parse_torch_version_py("__version__ = '2.6.0' + 'x'\n"));
  CHECK_FALSE(parse_torch_version_py("__version__ = '2.6\\x30'\n"));
  CHECK_FALSE(parse_torch_version_py("__version__ = ''\n"));
  CHECK_FALSE(parse_torch_version_py(""));
}

TEST_CASE("torch files: major.minor of Torch versions") {
  CHECK(parse_torch_major_minor("2.11.0+cu128") == MajorMinor{2, 11});
  CHECK(parse_torch_major_minor("2.11.0+cpu") == MajorMinor{2, 11});
  CHECK(parse_torch_major_minor("2.10.0a0+gite67e3d9") == MajorMinor{2, 10});
  CHECK(parse_torch_major_minor("2.9.1") == MajorMinor{2, 9});
  CHECK(parse_torch_major_minor("2.8.0.dev20250601+cu126") == MajorMinor{2, 8});
  CHECK(parse_torch_major_minor("2") == MajorMinor{2, 0});
  CHECK(parse_torch_major_minor("v2.4.0") == MajorMinor{2, 4});
  CHECK(parse_torch_major_minor("1!2.3.0") == MajorMinor{2, 3});
  CHECK_FALSE(parse_torch_major_minor(""));
  CHECK_FALSE(parse_torch_major_minor("torch"));
  CHECK_FALSE(parse_torch_major_minor("2.x"));
  CHECK_FALSE(parse_torch_major_minor("!2.3"));
  CHECK_FALSE(parse_torch_major_minor("1234567890.1"));
}

TEST_CASE("torch files: the C++11 ABI flag of TorchConfig.cmake") {
  const std::string linux_block =
      "# When we build libtorch with the old libstdc++ ABI, dependent libraries must too.\n"
      "if(CMAKE_SYSTEM_NAME STREQUAL \"Linux\")\n"
      "  set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=VALUE\")\n"
      "endif()\n"
      "if(TORCH_CXX_FLAGS)\n"
      "  set_property(TARGET torch PROPERTY INTERFACE_COMPILE_OPTIONS \"${TORCH_CXX_FLAGS}\")\n"
      "endif()\n";
  const auto with = [&](const std::string& value) {
    std::string text = linux_block;
    text.replace(text.find("VALUE"), 5, value);
    return text;
  };
  CHECK(parse_torch_config_cxx11_abi(with("1")) == true);
  CHECK(parse_torch_config_cxx11_abi(with("0")) == false);
  CHECK_FALSE(parse_torch_config_cxx11_abi(with("")).has_value());  // pytorch issue 45323
  CHECK_FALSE(parse_torch_config_cxx11_abi(with("@GLIBCXX_USE_CXX11_ABI@")).has_value());
  CHECK_FALSE(parse_torch_config_cxx11_abi(with("10")).has_value());
  CHECK_FALSE(
      parse_torch_config_cxx11_abi("  # set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=1\")\n")
          .has_value());
  CHECK_FALSE(parse_torch_config_cxx11_abi("find_package(Caffe2 REQUIRED)\n").has_value());
  CHECK(parse_torch_config_cxx11_abi("# -D_GLIBCXX_USE_CXX11_ABI=1\n"
                                     "set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=0\")") ==
        false);
}

TEST_CASE("torch files: libtorch build-version") {
  auto cuda = parse_libtorch_build_version("2.6.0+cu124\n");
  REQUIRE(cuda);
  CHECK(cuda->version == "2.6.0+cu124");
  CHECK(cuda->cuda == "12.4");
  CHECK_FALSE(cuda->hip.has_value());

  CHECK(parse_libtorch_build_version("2.9.0+cu130")->cuda == "13.0");
  CHECK(parse_libtorch_build_version("2.0.0+cu90")->cuda == "9.0");
  CHECK(parse_libtorch_build_version("2.5.1+rocm6.2\n")->hip == "6.2");
  CHECK(parse_libtorch_build_version("2.5.1+rocm6.2.4")->hip == "6.2.4");

  for (const char* plain : {"2.6.0+cpu", "2.6.0", "2.7.0a0+git1234567", "2.6.0+cuda"}) {
    auto file = parse_libtorch_build_version(plain);
    REQUIRE(file);
    CHECK_FALSE(file->cuda.has_value());
    CHECK_FALSE(file->hip.has_value());
  }
  CHECK_FALSE(parse_libtorch_build_version(""));
  CHECK_FALSE(parse_libtorch_build_version("\n"));
  CHECK_FALSE(parse_libtorch_build_version("2.6.0+cpu\nsomething else\n"));
}
