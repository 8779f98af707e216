#include "system/platform.hpp"

#include <string>

#include <sys/utsname.h>

#include "kernels/system/detect.hpp"

#ifdef __APPLE__
#include <cstring>

#include <sys/sysctl.h>
#include <sys/types.h>
#endif

namespace kernels::system_detail {
namespace {

#ifdef __APPLE__
// The product version ("15.7.1") as `sw_vers -productVersion` prints it; kern.osproductversion
// exists since macOS 10.13.4.
Result<MacOsVersion> read_macos_version() {
  char buffer[64] = {};
  std::size_t size = sizeof(buffer);
  if (sysctlbyname("kern.osproductversion", buffer, &size, nullptr, 0) != 0 || size == 0) {
    return fail(ErrorCode::io, "cannot read the macOS version (sysctl kern.osproductversion)");
  }
  return parse_macos_version(std::string(buffer, strnlen(buffer, sizeof(buffer))));
}
#endif

}  // namespace

Platform detect_platform() {
  Platform platform;
  struct utsname names {};
  if (uname(&names) == 0) {
    platform.os = normalize_os(names.sysname);
    platform.cpu = normalize_cpu(names.machine);
  } else {
    platform.warning = "uname() failed: the OS and CPU are unknown, so no compiled variant matches";
  }
#ifdef __APPLE__
  if (auto version = read_macos_version()) {
    platform.macos_version = *version;
  } else {
    platform.warning = version.error().describe() + "; Metal variants will be rejected";
  }
#endif
  return platform;
}

}  // namespace kernels::system_detail
