#include "kernels/hub/user_agent.hpp"

#include "kernels/build_info.hpp"

namespace kernels {
namespace {

// A value as it may stand in a `name/value` part: visible ASCII without ';'.
std::string sanitized(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == ';') c = '_';
  }
  return out;
}

void add_part(std::string& agent, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  if (!agent.empty()) agent += "; ";
  agent += sanitized(name);
  agent += '/';
  agent += sanitized(value);
}

}  // namespace

std::string build_user_agent(const UserAgentInfo& info, bool telemetry_disabled) {
  std::string agent;
  add_part(agent, info.product.empty() ? "kernels-cpp" : info.product,
           info.version.empty() ? std::string_view(kVersion) : std::string_view(info.version));
  if (!telemetry_disabled) {
    add_part(agent, "backend", info.backend);
    if (!info.cpu.empty() && !info.os.empty())
      add_part(agent, "platform", info.cpu + "-" + info.os);
    add_part(agent, "file_type", "kernel");
    add_part(agent, "torch", info.torch_version);
    add_part(agent, "glibc", info.glibc_version);
  }
  add_part(agent, "origin", info.origin);
  return agent;
}

UserAgentInfo user_agent_info(const SystemInfo& system) {
  UserAgentInfo info;
  info.os = system.os;
  info.cpu = system.cpu;
  info.backend = to_string(system.backend);
  if (system.torch_version) info.torch_version = to_string(*system.torch_version);
  return info;
}

}  // namespace kernels
