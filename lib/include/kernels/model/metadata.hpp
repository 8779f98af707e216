#pragma once

// build/<variant>/metadata.json: what a kernel build says about itself (kernels-spec.md 9.2).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/export.hpp"
#include "kernels/model/dependency.hpp"

namespace kernels {

inline constexpr std::size_t kMaxMetadataBytes = std::size_t{4} * 1024 * 1024;

// The backend a build is for: cann, cpu, cuda, metal, neuron, rocm, tpu or xpu, and for noarch
// builds the CUDA capabilities or ROCm architectures it supports.
struct MetadataBackend {
  std::string type;
  std::vector<std::string> archs;
  friend bool operator==(const MetadataBackend&, const MetadataBackend&) = default;
};

// Per-file digests of the variant's files (kernels-spec.md 6.3): standard base64 of the SHA-256
// or SHA-512 of each file, keyed by the path relative to the variant directory.
struct MetadataDigest {
  std::string algorithm;  // "sha256" or "sha512"
  std::map<std::string, std::string> files;
  friend bool operator==(const MetadataDigest&, const MetadataDigest&) = default;
};

struct KernelMetadata {
  std::string name;  // ^[a-z][-a-z0-9]*[a-z0-9]$; the Python module is name with '-' -> '_'
  std::string id;    // unique per build: the Torch ops namespace and the module key
  std::uint64_t version = 0;  // the kernel's major version (branch v<version>)
  std::string license;
  std::optional<std::string> upstream;
  std::optional<std::string> source;
  std::vector<std::string> python_depends;
  std::vector<Dependency> kernel_depends;  // MajorVersion or Revision requirements
  MetadataBackend backend;
  std::optional<MetadataDigest> digest;
  friend bool operator==(const KernelMetadata&, const KernelMetadata&) = default;
};

// Parses metadata.json. Unknown keys are ignored (as kernels-data does); a missing required key,
// a mistyped value, an invalid name, backend type or digest algorithm is ErrorCode::invalid_input
// with the JSON path and `file_name` in the location.
[[nodiscard]] KERNELS_API Result<KernelMetadata> parse_metadata(std::string_view text,
                                                                std::string_view file_name = {});

// Reads and parses `path` (at most kMaxMetadataBytes).
[[nodiscard]] KERNELS_API Result<KernelMetadata> read_metadata(const std::filesystem::path& path);

// The backend types metadata.json may name.
[[nodiscard]] KERNELS_API bool is_metadata_backend_type(std::string_view type);

}  // namespace kernels
