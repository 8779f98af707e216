#pragma once

// Where an installed PyTorch may be, found without running Python: the site-packages folders of
// the active environment, of the python3 on PATH and of the user and the system, in the order
// that detect.hpp documents.

#include <filesystem>
#include <string>
#include <vector>

#include "kernels/system/detect.hpp"
#include "kernels/util/environment.hpp"

namespace kernels::system_detail {

// A folder that may hold `torch/`, and what led to it.
struct SiteCandidate {
  std::filesystem::path site_dir;
  TorchSource source = TorchSource::system_site;
  std::string detail;  // the variable's value or the python3 that was found
};

// Every candidate folder, in search order, without duplicates. Folders that do not exist are
// left out, so the list is what was actually looked in.
[[nodiscard]] std::vector<SiteCandidate> torch_site_candidates(const Environment& environment,
                                                               bool include_system_site_packages);

}  // namespace kernels::system_detail
