#pragma once

// `kernels check --abi PATH`: every variant of a local kernel, and in it every shared object,
// against the ABI policies (reference/kernels-spec.md section 8): manylinux symbol versions and
// libraries for ELF files, the Python stable ABI for *.abi3.so files, the minimum macOS for
// Mach-O files; and the layout of build/ (variant names, metadata.json and its backend).
// Nothing touches the network.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/abi/abi_problem.hpp"
#include "kernels/abi/binary_format.hpp"
#include "kernels/error.hpp"

namespace kernels {

struct AbiCheckOptions {
  std::string manylinux = "manylinux_2_28";  // a policy name or alias (manylinux2014)
  std::string macos = "15.0";                // the oldest macOS the Mach-O files must load on
  std::string python_abi = "3.9";            // the oldest Python the abi3 files must load in
};

struct AbiFileReport {
  std::string path;  // relative to the variant directory, '/'-separated
  BinaryFormat format = BinaryFormat::unknown;
  std::string architecture;  // ELF machine, or the Mach-O slices' CPUs joined by ','
  std::vector<AbiProblem> problems;
};

struct AbiVariantReport {
  std::string name;
  std::vector<AbiProblem> problems;  // layout: metadata.json missing, unreadable, wrong backend
  std::vector<AbiFileReport> files;  // every shared object, sorted by path
};

struct AbiCheckReport {
  std::filesystem::path build_dir;  // the folder holding the variant folders
  std::string manylinux;            // the policy's canonical name
  std::string macos;
  std::string python_abi;
  std::vector<AbiProblem> problems;        // layout of build/ itself: stray files, invalid names
  std::vector<AbiVariantReport> variants;  // sorted by name

  [[nodiscard]] std::size_t problem_count() const;
  [[nodiscard]] std::size_t file_count() const;
  [[nodiscard]] bool clean() const { return problem_count() == 0; }
};

// The policies are checked first: an unknown manylinux policy, or a macOS or Python version that
// does not parse, is ErrorCode::usage. `directory` is a checkout or build output (holding build/),
// a build/ folder, or one variant folder; otherwise not_found. Problems with the kernel are in the
// report, never errors: a malformed binary is one problem of its file.
[[nodiscard]] Result<AbiCheckReport> check_abi(const std::filesystem::path& directory,
                                               const AbiCheckOptions& options);

}  // namespace kernels
