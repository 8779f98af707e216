#include "kernels/system/detect.hpp"

#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

#include "kernels/util/text_file.hpp"

#include "system/cuda_runtime.hpp"
#include "system/elf_strings.hpp"
#include "system/platform.hpp"
#include "system/torch_locate.hpp"

namespace kernels {
namespace {

namespace fs = std::filesystem;

// version.py is a dozen lines, build-version one, TorchConfig.cmake a few KiB.
constexpr std::size_t kMaxTextFile = 1U << 20U;

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

Result<std::string> read_small_text_file(const fs::path& path) {
  auto text = read_text_file(path, kMaxTextFile);
  // A Torch folder without its version file is an unreadable installation, not a missing one.
  if (!text && text.error().code == ErrorCode::not_found) {
    return fail(ErrorCode::io, "cannot read: " + text.error().message, path.string());
  }
  return text;
}

// Which folder of an explicit torch path holds Torch: the package itself, a site-packages folder
// holding torch/, or a libtorch folder.
std::optional<fs::path> torch_directory_in(const fs::path& given) {
  if (file_exists(given / "version.py")) return given;
  if (file_exists(given / "torch" / "version.py")) return given / "torch";
  if (file_exists(given / "build-version")) return given;
  return std::nullopt;
}

// Reads the C++ ABI from TorchConfig.cmake, else from libc10.so's dynamic symbols.
void read_cxx11_abi(TorchInstallation& torch, std::vector<std::string>& warnings) {
  const fs::path config = torch.directory / "share" / "cmake" / "Torch" / "TorchConfig.cmake";
  if (file_exists(config)) {
    if (auto text = read_small_text_file(config)) {
      if (const auto abi = parse_torch_config_cxx11_abi(*text)) {
        torch.cxx11_abi = abi;
        torch.cxx11_abi_origin = config.string();
        return;
      }
    }
  }
  const fs::path c10 = torch.directory / "lib" / "libc10.so";
  if (file_exists(c10)) {
    // Every new-ABI libc10 exports functions taking std::__cxx11::basic_string; an old-ABI build
    // has no std::__cxx11 type at all.
    if (auto has_cxx11 = system_detail::elf_dynamic_strings_contain(c10, "__cxx11")) {
      torch.cxx11_abi = *has_cxx11;
      torch.cxx11_abi_origin = c10.string();
      return;
    } else {
      warnings.push_back("cannot read Torch's C++ ABI from " + has_cxx11.error().describe());
    }
  }
  warnings.push_back("cannot tell whether the Torch at " + torch.directory.string() +
                     " uses the C++11 ABI (neither TorchConfig.cmake nor lib/libc10.so says); "
                     "variants tagged -cxx11 or -cxx98 will be rejected");
}

Result<TorchInstallation> read_torch_installation(const fs::path& directory, TorchSource source,
                                                  std::string detail) {
  TorchInstallation torch;
  torch.directory = directory;
  torch.source = source;
  torch.source_detail = std::move(detail);
  const fs::path version_py = directory / "version.py";
  const bool is_package = file_exists(version_py);
  const fs::path file = is_package ? version_py : directory / "build-version";
  auto text = read_small_text_file(file);
  if (!text) return tl::unexpected(text.error());
  auto parsed = is_package ? parse_torch_version_py(*text) : parse_libtorch_build_version(*text);
  if (!parsed) {
    Error error = parsed.error();
    error.message += " (set KERNELS_TORCH_DIR to another Torch, or reinstall this one)";
    error.location = file.string() + (error.location.empty() ? "" : " " + error.location);
    return tl::unexpected(std::move(error));
  }
  torch.version_file = std::move(*parsed);
  return torch;
}

// Torch from the explicit option or $KERNELS_TORCH_DIR, when one is given.
Result<std::optional<TorchInstallation>> explicit_torch(const DetectOptions& options,
                                                        const Environment& environment,
                                                        DetectedSystem& detected) {
  std::optional<fs::path> given;
  TorchSource source = TorchSource::option;
  if (options.torch_dir) {
    given = *options.torch_dir;
  } else if (auto variable = environment.get_non_empty("KERNELS_TORCH_DIR")) {
    given = fs::path(*variable);
    source = TorchSource::kernels_torch_dir;
  }
  if (!given) return std::optional<TorchInstallation>{};
  detected.torch_search_path.push_back(*given);
  const auto directory = torch_directory_in(*given);
  if (!directory) {
    std::string message =
        "no Torch here: expected a torch package folder (with version.py), a "
        "site-packages folder holding torch/, or a libtorch folder (with "
        "build-version)";
    if (source == TorchSource::kernels_torch_dir) message += "; fix or unset KERNELS_TORCH_DIR";
    return fail(ErrorCode::not_found, std::move(message), given->string());
  }
  auto torch = read_torch_installation(*directory, source, given->string());
  if (!torch) return tl::unexpected(torch.error());
  return std::optional<TorchInstallation>(std::move(*torch));
}

Result<std::optional<TorchInstallation>> find_torch(const DetectOptions& options,
                                                    const Environment& environment,
                                                    DetectedSystem& detected) {
  auto given = explicit_torch(options, environment, detected);
  if (!given || *given) return given;
  for (auto& candidate :
       system_detail::torch_site_candidates(environment, options.search_system_site_packages)) {
    detected.torch_search_path.push_back(candidate.site_dir);
    const fs::path directory = candidate.site_dir / "torch";
    if (!file_exists(directory / "version.py")) continue;
    auto torch = read_torch_installation(directory, candidate.source, std::move(candidate.detail));
    if (!torch) return tl::unexpected(torch.error());
    return std::optional<TorchInstallation>(std::move(*torch));
  }
  return std::optional<TorchInstallation>{};
}

// The reference's path without Torch: the CUDA runtime's version, else CPU.
BackendDecision backend_without_torch(bool probe) {
  const Backend cpu{BackendKind::cpu, std::nullopt};
  if (!probe) return {cpu, "no Torch; CUDA runtime not probed", std::nullopt};
  const auto runtime = system_detail::probe_cuda_runtime();
  if (runtime.library.empty()) {
    return {cpu, "no Torch and no CUDA runtime library (libcudart)", std::nullopt};
  }
  if (const auto backend =
          runtime.version ? backend_from_cuda_runtime_version(*runtime.version) : std::nullopt) {
    return {*backend,
            "no Torch; " + runtime.library + " reports CUDA runtime " +
                std::to_string(*runtime.version),
            std::nullopt};
  }
  return {cpu, "no Torch; " + runtime.library + " gave no version",
          "System has CUDA runtime library, but cannot get runtime version."};
}

}  // namespace

std::string_view to_string(TorchSource source) {
  switch (source) {
    case TorchSource::option:
      return "option";
    case TorchSource::kernels_torch_dir:
      return "KERNELS_TORCH_DIR";
    case TorchSource::virtual_env:
      return "VIRTUAL_ENV";
    case TorchSource::conda_prefix:
      return "CONDA_PREFIX";
    case TorchSource::python_on_path:
      return "python3 on PATH";
    case TorchSource::user_site:
      return "user site-packages";
    case TorchSource::system_site:
      return "system site-packages";
  }
  return "option";
}

Result<DetectedSystem> detect_system(const DetectOptions& options, const Environment& environment) {
  DetectedSystem detected;
  auto platform = system_detail::detect_platform();
  detected.system.os = std::move(platform.os);
  detected.system.cpu = std::move(platform.cpu);
  detected.system.macos_version = platform.macos_version;
  if (platform.warning) detected.warnings.push_back(std::move(*platform.warning));

  auto torch = find_torch(options, environment, detected);
  if (!torch) return tl::unexpected(torch.error());
  detected.torch = std::move(*torch);

  BackendDecision decision;
  if (detected.torch) {
    auto& found = *detected.torch;
    if (auto version = parse_torch_major_minor(found.version_file.version)) {
      detected.system.torch_version = *version;
    } else {
      detected.warnings.push_back(version.error().message +
                                  "; variants built for a Torch version will be rejected");
    }
    // The reference reads the ABI on Linux only; elsewhere variant names carry no ABI tag.
    if (detected.system.os == "linux" && options.cxx11_abi) {
      found.cxx11_abi = options.cxx11_abi;
      found.cxx11_abi_origin = "the libtorch loaded in this process";
      detected.system.torch_cxx11_abi = found.cxx11_abi;
    } else if (detected.system.os == "linux") {
      read_cxx11_abi(found, detected.warnings);
      detected.system.torch_cxx11_abi = found.cxx11_abi;
    }
    decision = backend_from_torch(found.version_file, detected.system.os);
  } else {
    detected.warnings.push_back(
        "no PyTorch installation found (looked in " +
        std::to_string(detected.torch_search_path.size()) +
        " folders); only variants that need no Torch can be selected. Point KERNELS_TORCH_DIR at "
        "the torch package folder (.../site-packages/torch) to use one");
    decision = backend_without_torch(options.probe_cuda_runtime);
  }
  if (decision.warning) detected.warnings.push_back(std::move(*decision.warning));

  if (options.backend) {
    auto chosen = apply_backend_override(decision.backend, *options.backend);
    if (!chosen) return tl::unexpected(chosen.error());
    decision.origin = "requested backend '" + *options.backend +
                      "' (detected: " + to_string(decision.backend) + " from " + decision.origin +
                      ")";
    decision.backend = *chosen;
  }
  detected.system.backend = decision.backend;
  detected.backend_origin = std::move(decision.origin);
  return detected;
}

}  // namespace kernels
