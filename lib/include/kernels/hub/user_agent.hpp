#pragma once

// The User-Agent the Hub layer sends (kernels-spec.md 7.10, hub-api.md 1.2).
//
// The reference sends "kernels/<v>; hf_hub/<v>; python/<v>" and, unless telemetry is disabled,
// "; python/<maj.min>; backend/<b>; platform/<cpu>-<os>; file_type/kernel[; torch/<v>][;
// glibc/<v>]". We are neither that library nor huggingface_hub nor Python, so we say what we are
// and keep the parts that describe the system in the reference's spelling:
//
//   telemetry on:  kernels-cpp/0.1.0; backend/cu128; platform/x86_64-linux; file_type/kernel;
//                  torch/2.8; glibc/2.36; origin/<HF_HUB_USER_AGENT_ORIGIN>
//   telemetry off: kernels-cpp/0.1.0; origin/<HF_HUB_USER_AGENT_ORIGIN>
//
// Our own name and version always go (the reference's library name and version do too); parts
// whose value is unknown are left out, never sent empty. `origin` is not telemetry: huggingface_hub
// appends it whenever the variable is set.

#include <string>

#include "kernels/model/system_info.hpp"

namespace kernels {

struct UserAgentInfo {
  std::string product = "kernels-cpp";
  std::string version;  // empty means this build's kVersion
  std::string os;       // "linux", "darwin"
  std::string cpu;      // "x86_64", "aarch64"
  std::string backend;  // as a variant name spells it: "cu128", "rocm70", "cpu", "metal"
  std::string torch_version;
  std::string glibc_version;
  std::string origin;  // HF_HUB_USER_AGENT_ORIGIN
};

// The header value. Characters that cannot stand in a User-Agent part (anything outside visible
// ASCII, and ';') become '_'.
[[nodiscard]] std::string build_user_agent(const UserAgentInfo& info, bool telemetry_disabled);

// os, cpu, backend and the Torch major.minor of a detected system.
[[nodiscard]] UserAgentInfo user_agent_info(const SystemInfo& system);

}  // namespace kernels
