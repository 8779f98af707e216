#pragma once

// What an installed PyTorch is, read from its files instead of by importing it: a C++ program
// has no Python to ask. These are the pure parsers; finding the files is detect.hpp's job.
//
//   <torch>/version.py                           written by PyTorch's build, e.g.
//       __version__ = '2.11.0+cu128'
//       debug = False
//       cuda: Optional[str] = '12.8'
//       git_version = '...'
//       hip: Optional[str] = None
//       xpu: Optional[str] = None
//   <torch>/share/cmake/Torch/TorchConfig.cmake   set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=1")
//   <libtorch>/build-version                      "2.6.0+cu124" (the C++ distribution, no
//   version.py)

#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/model/variant.hpp"

namespace kernels {

// The values of torch/version.py that variant selection needs (torch.version.* in Python).
struct TorchVersionFile {
  std::string version;                     // __version__, "2.11.0+cu128"
  std::optional<std::string> cuda;         // "12.8"; empty when built without CUDA
  std::optional<std::string> hip;          // "6.4.43482-0f2d60242"; empty without ROCm
  std::optional<std::string> xpu;          // "20250301"; empty without XPU (and in old files)
  std::optional<std::string> git_version;  // the commit Torch was built from, when recorded
  std::optional<bool> debug;

  friend bool operator==(const TorchVersionFile&, const TorchVersionFile&) = default;
};

// Parses the text of torch/version.py without running it. Only unindented top-level assignments
// `NAME = VALUE` or `NAME: ANNOTATION = VALUE` count; VALUE is a string in single or double quotes
// (without escapes), None, True or False, optionally followed by a `#` comment. Other lines
// (imports, __all__, anything indented) are ignored; a later assignment replaces an earlier one.
// Errors: no __version__ string, or a known name assigned something that is not one of those
// values (the error names the line).
[[nodiscard]] Result<TorchVersionFile> parse_torch_version_py(std::string_view text);

// Parses libtorch's `build-version` ("2.6.0+cu124"): the version, and from its local label the
// CUDA (`cu124` -> "12.4", every digit but the last being the major as in variant names) or ROCm
// (`rocm6.2` -> "6.2") version. Other labels (`cpu`, none, `git...`) leave both empty.
[[nodiscard]] Result<TorchVersionFile> parse_libtorch_build_version(std::string_view text);

// Whether TorchConfig.cmake's text says Torch was built with the C++11 ABI: the value of the
// first `_GLIBCXX_USE_CXX11_ABI=0|1` outside a comment. Empty when no such value is there
// (newer Torch releases may no longer write the flag, unconfigured templates write `=@...@`).
[[nodiscard]] std::optional<bool> parse_torch_config_cxx11_abi(std::string_view text);

// The major.minor of a Torch version string as Python's packaging.version reads it:
// "2.11.0+cu128" -> 2.11, "2.10.0a0+gite67e3d9" -> 2.10, "2" -> 2.0 (a leading "v" and an
// epoch "N!" are skipped).
[[nodiscard]] Result<MajorMinor> parse_torch_major_minor(std::string_view version);

}  // namespace kernels
