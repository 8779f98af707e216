#pragma once

// The OS, CPU and macOS version of the running machine, as variant names spell them.

#include <optional>
#include <string>

#include "kernels/model/system_info.hpp"

namespace kernels::system_detail {

struct Platform {
  std::string os;   // normalize_os(uname -s)
  std::string cpu;  // normalize_cpu(uname -m)
  // Set on macOS when the product version could be read; `warning` says why not otherwise.
  std::optional<MacOsVersion> macos_version;
  std::optional<std::string> warning;
};

[[nodiscard]] Platform detect_platform();

}  // namespace kernels::system_detail
