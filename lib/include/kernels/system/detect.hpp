#pragma once

// What this machine and process are, for choosing a build variant (reference/kernels-spec.md
// section 5.2): OS, CPU, the installed Torch's version and C++ ABI, and the backend.
//
// The reference imports torch to learn these. A C++ program has no Python, so Torch is found on
// disk and read from its files (torch_files.hpp). Where Torch is looked for, first match wins:
//
//   1. DetectOptions::torch_dir (the CLI's --torch)       a torch package directory
//   2. $KERNELS_TORCH_DIR                                  (…/site-packages/torch), a site-packages
//                                                          directory holding torch/, or a libtorch
//                                                          folder (with build-version); an explicit
//                                                          directory that is none of these is an
//                                                          error
//   3. $VIRTUAL_ENV/lib/python3.*/site-packages            newest python3.* first
//   4. $CONDA_PREFIX/lib/python3.*/site-packages
//   5. python3 on $PATH, found without running it:
//        <dir>/python3 in a virtual environment (pyvenv.cfg beside bin/) -> that environment's
//        site-packages, then its base Python's when include-system-site-packages = true;
//        a pyenv shim -> $PYENV_VERSION or $PYENV_ROOT/version, then that version's prefix;
//        otherwise the symlink-resolved <prefix>/bin/python3.X -> <prefix>/lib/python3.X/
//        site-packages, <prefix>/local/lib/python3.X/dist-packages, <prefix>/lib/python3/
//        dist-packages
//   6. $HOME/.local/lib/python3.*/site-packages
//   7. /usr/local/lib/python3.*/dist-packages, /usr/lib/python3/dist-packages
//      (DetectOptions::search_system_site_packages)
//
// Not detected without Python (the reference's TPU, Neuron and CANN checks need torch's runtime):
// those backends are never reported. Metal is reported for any Torch on macOS (the reference asks
// torch.backends.mps.is_available(), true on every Apple-silicon Mac that Torch supports).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/system_info.hpp"
#include "kernels/model/variant.hpp"
#include "kernels/system/torch_files.hpp"
#include "kernels/util/environment.hpp"

namespace kernels {

struct DetectOptions {
  // Where Torch is; takes precedence over $KERNELS_TORCH_DIR and the search.
  std::optional<std::filesystem::path> torch_dir;
  // A backend to use instead of the detected one: "cpu", or the detected backend's name.
  std::optional<std::string> backend;
  // Without Torch, ask the CUDA runtime library (dlopen'ed, never linked) for its version.
  bool probe_cuda_runtime = true;
  // The C++ ABI of that Torch when the caller knows it already (the loader asks the libtorch
  // loaded in its process): Torch's files are then not read for it.
  std::optional<bool> cxx11_abi;
  // Search the system-wide dist-packages folders (step 7); tests turn it off to stay hermetic.
  bool search_system_site_packages = true;
};

// How a Torch installation was found.
enum class TorchSource {
  option,             // DetectOptions::torch_dir
  kernels_torch_dir,  // $KERNELS_TORCH_DIR
  virtual_env,        // $VIRTUAL_ENV
  conda_prefix,       // $CONDA_PREFIX
  python_on_path,     // the python3 found on $PATH
  user_site,          // ~/.local
  system_site,        // /usr/local/lib/..., /usr/lib/python3/dist-packages
};

// "option", "KERNELS_TORCH_DIR", "VIRTUAL_ENV", "CONDA_PREFIX", "python3 on PATH",
// "user site-packages", "system site-packages".
[[nodiscard]] std::string_view to_string(TorchSource source);

struct TorchInstallation {
  // The torch package directory (holding version.py) or the libtorch folder.
  std::filesystem::path directory;
  TorchSource source = TorchSource::option;
  // Which python3 or which folder led there, for messages ("/usr/bin/python3").
  std::string source_detail;
  // The values read from version.py (or build-version).
  TorchVersionFile version_file;
  // Whether Torch uses the C++11 ABI, and which file said so ("…/TorchConfig.cmake",
  // "…/lib/libc10.so"); both empty when neither says. Read on Linux only.
  std::optional<bool> cxx11_abi;
  std::string cxx11_abi_origin;
};

struct DetectedSystem {
  // What variant selection uses.
  SystemInfo system;
  // The Torch that was found, if any.
  std::optional<TorchInstallation> torch;
  // Every folder looked in for Torch, in order, up to and including the one it was found in.
  std::vector<std::filesystem::path> torch_search_path;
  // How the backend was decided ("torch.version.cuda = '12.8'", "--backend cpu", ...).
  std::string backend_origin;
  // Things the user should know: Torch not found, ABI unknown, a value that did not parse.
  std::vector<std::string> warnings;
};

// Detects the running system. Errors: an explicit torch directory that holds no Torch, a Torch
// whose version.py cannot be read or parsed, an invalid backend override.
[[nodiscard]] Result<DetectedSystem> detect_system(const DetectOptions& options,
                                                   const Environment& environment);

// ---- The pure steps of detect_system, for tests and for callers that have the values already.

// `uname -s` as variant names spell the OS: lowercased ("Linux" -> "linux", "Darwin" -> "darwin").
[[nodiscard]] std::string normalize_os(std::string_view system_name);

// `uname -m` as variant names spell the CPU: "arm64"/"ARM64" -> "aarch64", "AMD64"/"amd64" ->
// "x86_64", anything else unchanged.
[[nodiscard]] std::string normalize_cpu(std::string_view machine);

struct BackendDecision {
  Backend backend;
  // How it was decided, for `kernels info --system`.
  std::string origin;
  // Set when a version string did not parse: the backend is then kept without a version, so that
  // no versioned variant matches but the backend's noarch variant still does.
  std::optional<std::string> warning;
};

// The backend of a Torch, as the reference decides it (first match): torch.version.cuda -> CUDA;
// hip -> ROCm (the part before '-', major.minor); macOS -> Metal; xpu -> XPU (characters 0-3 and
// character 5: "20250301" -> 2025.3); otherwise CPU.
[[nodiscard]] BackendDecision backend_from_torch(const TorchVersionFile& torch,
                                                 std::string_view os);

// The CUDA version that cudaRuntimeGetVersion reports (12080 -> 12.8); empty when not positive.
[[nodiscard]] std::optional<Backend> backend_from_cuda_runtime_version(int version);

// Applies a requested backend name to the detected backend: "cpu" always gives CPU, the detected
// backend's own name gives it unchanged, anything else is an ErrorCode::usage error in the
// reference's words: "Invalid backend 'xpu', system supported backends: cpu, cuda".
[[nodiscard]] Result<Backend> apply_backend_override(const Backend& detected,
                                                     std::string_view requested);

}  // namespace kernels
