// The pure steps of system detection: names from uname, the backend from Torch's version values,
// the CUDA runtime's version number, and the backend override (reference/kernels-spec.md 5.2).

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/system/detect.hpp"
#include "kernels/system/torch_files.hpp"

namespace kernels {
namespace {

// "MAJOR.MINOR" and nothing else.
std::optional<MajorMinor> exact_major_minor(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto number = [](std::string_view digits) -> std::optional<std::uint32_t> {
    if (digits.empty() || digits.size() > 9) return std::nullopt;
    std::uint32_t value = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10U + static_cast<std::uint32_t>(c - '0');
    }
    return value;
  };
  const auto major = number(text.substr(0, dot));
  const auto minor = number(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return MajorMinor{*major, *minor};
}

std::string quoted_assignment(std::string_view name, std::string_view value) {
  std::string text = "torch.version.";
  text += name;
  text += " = '";
  text += value;
  text += '\'';
  return text;
}

// A versioned backend; without a version (and with a warning) when the text does not parse.
BackendDecision versioned(BackendKind kind, std::string_view name, const std::string& value,
                          std::optional<MajorMinor> version) {
  BackendDecision decision{Backend{kind, version}, quoted_assignment(name, value), std::nullopt};
  if (!version) {
    decision.warning = "cannot read a version from torch.version." + std::string(name) + " = '" +
                       value + "'; only " + std::string(backend_name(kind)) +
                       " variants without a version (torch-" + std::string(backend_name(kind)) +
                       ") can be selected";
  }
  return decision;
}

}  // namespace

std::string normalize_os(std::string_view system_name) {
  std::string os(system_name);
  std::transform(os.begin(), os.end(), os.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return os;
}

std::string normalize_cpu(std::string_view machine) {
  if (machine == "arm64" || machine == "ARM64") return "aarch64";
  if (machine == "AMD64" || machine == "amd64") return "x86_64";
  return std::string(machine);
}

BackendDecision backend_from_torch(const TorchVersionFile& torch, std::string_view os) {
  if (torch.cuda) {
    std::optional<MajorMinor> version;
    if (auto parsed = parse_torch_major_minor(*torch.cuda)) version = *parsed;
    return versioned(BackendKind::cuda, "cuda", *torch.cuda, version);
  }
  if (torch.hip) {
    // The reference keeps what precedes the first '-' ("6.4.43482-0f2d60242" -> 6.4.43482).
    const std::string_view release = std::string_view(*torch.hip).substr(0, torch.hip->find('-'));
    std::optional<MajorMinor> version;
    if (auto parsed = parse_torch_major_minor(release)) version = *parsed;
    return versioned(BackendKind::rocm, "hip", *torch.hip, version);
  }
  if (os == "darwin") {
    return {Backend{BackendKind::metal, std::nullopt}, "Torch on macOS (MPS)", std::nullopt};
  }
  if (torch.xpu) {
    // The reference reads characters 0-3 as the major and character 5 as the minor
    // ("20250301" -> 2025.3).
    const std::string_view text = *torch.xpu;
    std::optional<MajorMinor> version;
    if (text.size() >= 6) {
      std::string composed(text.substr(0, 4));
      composed += '.';
      composed += text[5];
      version = exact_major_minor(composed);
    }
    return versioned(BackendKind::xpu, "xpu", *torch.xpu, version);
  }
  return {Backend{BackendKind::cpu, std::nullopt}, "Torch built without CUDA, ROCm or XPU",
          std::nullopt};
}

std::optional<Backend> backend_from_cuda_runtime_version(int version) {
  if (version <= 0) return std::nullopt;
  const auto value = static_cast<std::uint32_t>(version);
  return Backend{BackendKind::cuda, MajorMinor{value / 1000U, (value % 1000U) / 10U}};
}

Result<Backend> apply_backend_override(const Backend& detected, std::string_view requested) {
  if (requested == "cpu") return Backend{BackendKind::cpu, std::nullopt};
  const std::string_view detected_name = backend_name(detected.kind);
  if (requested == detected_name) return detected;
  std::vector<std::string_view> supported{"cpu"};
  if (detected_name != "cpu") supported.push_back(detected_name);
  std::sort(supported.begin(), supported.end());
  std::string message = "Invalid backend '";
  message += requested;
  message += "', system supported backends: ";
  for (std::size_t i = 0; i < supported.size(); ++i) {
    if (i > 0) message += ", ";
    message += supported[i];
  }
  return fail(ErrorCode::usage, std::move(message));
}

}  // namespace kernels
