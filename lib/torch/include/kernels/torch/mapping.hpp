#pragma once

// Which kernel layer replaces which module layer, per device and mode: the reference's kernel
// mapping (kernels-spec.md sections 10.1-10.4) and Transformers' KernelConfig.
//
//   KernelMapping mapping;
//   mapping.set("SiluAndMul", DeviceSpec::cuda(),
//   LayerRepository::parse("org/activation:SiluAndMul")); mapping.set("RMSNorm",
//   DeviceSpec::cuda(80, 89), {{Mode::inference, repo_a},
//                                                      {Mode::training, repo_b}});
//   mapping.disable("RMSNorm");   // "" in a KernelConfig: the module keeps its own forward
//
// A repository is a repo id and a layer name; its revision is always the one kernels.lock pins
// (the loader loads only locked kernels).

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernels/error.hpp"

namespace kernels::torch {

// The reference's Mode flags. Valid kernelize modes: inference, training, each optionally with
// torch_compile. fallback only registers a repository for any mode.
enum class Mode : std::uint32_t {
  none = 0,
  fallback = 1,
  training = 2,
  inference = 4,
  torch_compile = 8,
};
[[nodiscard]] constexpr Mode operator|(Mode a, Mode b) {
  return static_cast<Mode>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
[[nodiscard]] constexpr bool has_mode(Mode mode, Mode flag) {
  return (static_cast<std::uint32_t>(mode) & static_cast<std::uint32_t>(flag)) != 0;
}
// "inference", "training|torch_compile", "fallback".
[[nodiscard]] std::string to_string(Mode mode);
// The inverse of to_string; also "inference+torch_compile". usage error otherwise.
[[nodiscard]] Result<Mode> parse_mode(std::string_view text);
// Checks a mode for registering (one of the kernelize modes or fallback): inference and training
// are exclusive, fallback combines with nothing.
[[nodiscard]] Result<void> validate_mapping_mode(Mode mode);
// Checks a mode for kernelize: inference or training, optionally with torch_compile.
[[nodiscard]] Result<void> validate_kernelize_mode(Mode mode);
// The modes a requested kernelize mode tries, in order (section 10.4).
[[nodiscard]] std::vector<Mode> mode_fallback_order(Mode requested);

// A device type and, for cuda and rocm, the capability range (major*10+minor, inclusive) a
// repository is for.
struct DeviceSpec {
  std::string type;  // cpu, cuda, rocm, xpu, mps, npu, neuron, tpu
  int min_capability = 0;
  int max_capability = std::numeric_limits<int>::max();

  [[nodiscard]] static DeviceSpec cpu() { return {"cpu"}; }
  [[nodiscard]] static DeviceSpec cuda(int min_capability = 0,
                                       int max_capability = std::numeric_limits<int>::max()) {
    return {"cuda", min_capability, max_capability};
  }
};
// The device types a mapping may name; anything else is "Unknown device type".
[[nodiscard]] bool is_known_device_type(std::string_view type);

struct LayerRepository {
  std::string repo_id;
  std::string layer_name;

  // "org/repo:Layer"; usage error naming the expected form otherwise.
  [[nodiscard]] static Result<LayerRepository> parse(std::string_view text);
  [[nodiscard]] std::string describe() const { return repo_id + ":" + layer_name; }
  friend bool operator==(const LayerRepository&, const LayerRepository&) = default;
};

using ModeRepositories = std::map<Mode, LayerRepository>;

// What the mapping says for one layer on one device.
struct LayerLookup {
  enum class Outcome { found, disabled, no_layer, no_device, no_capability, no_mode };
  Outcome outcome = Outcome::no_layer;
  LayerRepository repository;  // when found
  Mode mode = Mode::none;      // the registered mode that matched
};

class KernelMapping {
 public:
  // Replaces what `layer` has for this device type (for cpu, mps, xpu, ...: everything; for cuda
  // and rocm: the entry of the same capability range), as the reference's insert does.
  Result<void> set(const std::string& layer, const DeviceSpec& device, ModeRepositories modes);
  // A repository for every mode (Mode::fallback).
  Result<void> set(const std::string& layer, const DeviceSpec& device, LayerRepository repository);
  // The layer keeps its own forward whatever else is registered.
  void disable(const std::string& layer);
  // Everything of `other` added to this mapping, entry by entry.
  Result<void> merge(const KernelMapping& other);

  // The repository for `layer` on `device_type` with `capability` (cuda/rocm; ignored otherwise)
  // in `mode`, trying the modes in fallback order. The smallest capability range that holds the
  // capability wins; among equal widths the first registered.
  [[nodiscard]] LayerLookup lookup(std::string_view layer, std::string_view device_type,
                                   std::optional<int> capability, Mode mode) const;

  [[nodiscard]] bool empty() const { return layers_.empty(); }
  // The repositories the mapping names (to load them up front, or to list them).
  [[nodiscard]] std::vector<LayerRepository> repositories() const;

 private:
  struct CapabilityEntry {
    int min_capability = 0;
    int max_capability = 0;
    ModeRepositories modes;
  };
  struct DeviceEntries {
    std::optional<ModeRepositories> modes;       // device types without capabilities
    std::vector<CapabilityEntry> by_capability;  // cuda and rocm
  };
  struct LayerEntries {
    bool disabled = false;
    std::map<std::string, DeviceEntries, std::less<>> devices;
  };
  std::map<std::string, LayerEntries, std::less<>> layers_;
};

// The KernelConfig form in the project config: kernels.toml [layers] or pyproject.toml
// [tool.kernels.layers].
//
//   [layers]
//   RMSNorm = { cuda = "org/rms-norm:RMSNorm", cpu = "org/rms-norm:RMSNorm" }
//   SiluAndMul = "org/activation:SiluAndMul"       # every device
//   GeluAndMul = ""                                 # disabled
//   [layers.Attention.cuda]                         # per mode
//   inference = "org/attn:Fast"
//   training = "org/attn:WithBackward"
//
// A project without the table gives an empty mapping. Errors: invalid_input with file:line:col.
[[nodiscard]] Result<KernelMapping> parse_kernel_mapping_config(std::string_view toml_text,
                                                                bool pyproject,
                                                                std::string_view file_name);
// Reads the table from the project folder's kernels.toml or pyproject.toml (the one that
// declares the dependencies, as `kernels lock` chooses).
[[nodiscard]] Result<KernelMapping> load_kernel_mapping(const std::filesystem::path& project_dir);

}  // namespace kernels::torch
