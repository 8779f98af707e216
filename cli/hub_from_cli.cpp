#include "hub_from_cli.hpp"

#include <sys/utsname.h>

#include "kernels/system/detect.hpp"

namespace kernels::cli {

Result<HubClient> hub_client_from(const Settings& settings, int jobs) {
  HubClientOptions options;
  options.http.jobs = jobs;
  options.http.request_deadline = settings.request_timeout.value;
  // The user agent names the platform; detecting Torch is left to the commands that choose
  // variants, so that a lock does not search the disk for Python packages.
  utsname names{};
  if (uname(&names) == 0) {
    options.user_agent.os = normalize_os(names.sysname);
    options.user_agent.cpu = normalize_cpu(names.machine);
  }
  return HubClient::create(settings, options);
}

}  // namespace kernels::cli
