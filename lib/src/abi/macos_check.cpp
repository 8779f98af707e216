#include "kernels/abi/macos_check.hpp"

namespace kernels {

std::vector<AbiProblem> check_macos(const MachOInfo& macho, MacOsVersion target) {
  std::vector<AbiProblem> problems;
  for (const MachOSlice& slice : macho.slices) {
    const std::string where = macho.fat ? " (" + slice.cpu + " slice)" : std::string();
    if (!slice.min_macos) {
      problems.push_back({AbiProblemKind::macos_missing,
                          "declares no minimum macOS version (neither LC_BUILD_VERSION for macOS "
                          "nor LC_VERSION_MIN_MACOSX)" +
                              where,
                          slice.cpu,
                          {}});
    } else if (*slice.min_macos > target) {
      problems.push_back({AbiProblemKind::macos_too_new,
                          "requires macOS " + to_string(*slice.min_macos) + ", newer than " +
                              to_string(target) + where,
                          slice.cpu, to_string(*slice.min_macos)});
    }
  }
  return problems;
}

}  // namespace kernels
