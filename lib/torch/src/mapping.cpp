#include "kernels/torch/mapping.hpp"

#include <algorithm>
#include <array>

#include "kernels/model/repo_id.hpp"

namespace kernels::torch {
namespace {

constexpr std::array<std::string_view, 8> kDeviceTypes{"cpu", "cuda", "mps", "neuron",
                                                       "npu", "rocm", "tpu", "xpu"};

bool has_capabilities(std::string_view device_type) {
  return device_type == "cuda" || device_type == "rocm";
}

}  // namespace

std::string to_string(Mode mode) {
  if (mode == Mode::none) return "none";
  std::string text;
  const auto add = [&](Mode flag, std::string_view name) {
    if (!has_mode(mode, flag)) return;
    if (!text.empty()) text += '|';
    text += name;
  };
  add(Mode::fallback, "fallback");
  add(Mode::inference, "inference");
  add(Mode::training, "training");
  add(Mode::torch_compile, "torch_compile");
  return text;
}

Result<Mode> parse_mode(std::string_view text) {
  Mode mode = Mode::none;
  while (!text.empty()) {
    const auto separator = text.find_first_of("|+");
    const std::string_view part = text.substr(0, separator);
    if (part == "fallback") {
      mode = mode | Mode::fallback;
    } else if (part == "inference") {
      mode = mode | Mode::inference;
    } else if (part == "training") {
      mode = mode | Mode::training;
    } else if (part == "torch_compile") {
      mode = mode | Mode::torch_compile;
    } else {
      return fail(ErrorCode::usage, "unknown mode `" + std::string(part) +
                                        "`; use inference, training, fallback, optionally "
                                        "with |torch_compile");
    }
    if (separator == std::string_view::npos) break;
    text.remove_prefix(separator + 1);
  }
  if (auto valid = validate_mapping_mode(mode); !valid) return tl::unexpected(valid.error());
  return mode;
}

Result<void> validate_mapping_mode(Mode mode) {
  if (has_mode(mode, Mode::inference) && has_mode(mode, Mode::training)) {
    return fail(ErrorCode::usage, "Mode.INFERENCE and Mode.TRAINING are mutually exclusive.");
  }
  if (has_mode(mode, Mode::fallback) && mode != Mode::fallback) {
    return fail(ErrorCode::usage, "Mode.FALLBACK cannot be combined with other modes.");
  }
  if (mode == Mode::none || mode == Mode::torch_compile) {
    return fail(ErrorCode::usage, "a mapping mode needs inference, training or fallback");
  }
  return {};
}

Result<void> validate_kernelize_mode(Mode mode) {
  if (mode == Mode::fallback) {
    return fail(ErrorCode::usage, "Mode.FALLBACK can only be used to register kernel mappings.");
  }
  if (auto valid = validate_mapping_mode(mode); !valid) return valid;
  if (!has_mode(mode, Mode::inference) && !has_mode(mode, Mode::training)) {
    return fail(ErrorCode::usage, "kernelize mode must contain Mode.INFERENCE or Mode.TRAINING.");
  }
  return {};
}

std::vector<Mode> mode_fallback_order(Mode requested) {
  const Mode compile = Mode::torch_compile;
  if (requested == Mode::inference) {
    return {Mode::inference, Mode::inference | compile, Mode::training, Mode::training | compile,
            Mode::fallback};
  }
  if (requested == Mode::training)
    return {Mode::training, Mode::training | compile, Mode::fallback};
  if (requested == (Mode::inference | compile)) {
    return {Mode::inference | compile, Mode::training | compile, Mode::fallback};
  }
  if (requested == (Mode::training | compile)) return {Mode::training | compile, Mode::fallback};
  return {};
}

bool is_known_device_type(std::string_view type) {
  return std::find(kDeviceTypes.begin(), kDeviceTypes.end(), type) != kDeviceTypes.end();
}

Result<LayerRepository> LayerRepository::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return fail(ErrorCode::usage, "`" + std::string(text) +
                                      "` does not name a kernel layer; write it as "
                                      "\"org/repo:LayerName\"");
  }
  LayerRepository repository{std::string(text.substr(0, colon)),
                             std::string(text.substr(colon + 1))};
  if (auto valid = validate_repo_id(repository.repo_id); !valid) {
    return tl::unexpected(valid.error());
  }
  return repository;
}

Result<void> KernelMapping::set(const std::string& layer, const DeviceSpec& device,
                                ModeRepositories modes) {
  if (!is_known_device_type(device.type)) {
    return fail(ErrorCode::usage, "Unknown device type: " + device.type);
  }
  if (device.min_capability > device.max_capability) {
    return fail(ErrorCode::usage, "capability range of " + layer + " on " + device.type +
                                      " is empty (" + std::to_string(device.min_capability) +
                                      " > " + std::to_string(device.max_capability) + ")");
  }
  for (const auto& [mode, repository] : modes) {
    if (auto valid = validate_mapping_mode(mode); !valid) return valid;
  }
  DeviceEntries& entries = layers_[layer].devices[device.type];
  if (!has_capabilities(device.type)) {
    entries.modes = std::move(modes);
    return {};
  }
  for (CapabilityEntry& entry : entries.by_capability) {
    if (entry.min_capability == device.min_capability &&
        entry.max_capability == device.max_capability) {
      entry.modes = std::move(modes);
      return {};
    }
  }
  entries.by_capability.push_back({device.min_capability, device.max_capability, std::move(modes)});
  return {};
}

Result<void> KernelMapping::set(const std::string& layer, const DeviceSpec& device,
                                LayerRepository repository) {
  return set(layer, device, ModeRepositories{{Mode::fallback, std::move(repository)}});
}

void KernelMapping::disable(const std::string& layer) {
  layers_[layer].disabled = true;
}

Result<void> KernelMapping::merge(const KernelMapping& other) {
  for (const auto& [layer, entries] : other.layers_) {
    if (entries.disabled) disable(layer);
    for (const auto& [type, device] : entries.devices) {
      if (device.modes) {
        if (auto set_ok = set(layer, DeviceSpec{type}, *device.modes); !set_ok) return set_ok;
      }
      for (const CapabilityEntry& entry : device.by_capability) {
        if (auto set_ok = set(layer, DeviceSpec{type, entry.min_capability, entry.max_capability},
                              entry.modes);
            !set_ok) {
          return set_ok;
        }
      }
    }
  }
  return {};
}

LayerLookup KernelMapping::lookup(std::string_view layer, std::string_view device_type,
                                  std::optional<int> capability, Mode mode) const {
  LayerLookup result;
  const auto found_layer = layers_.find(layer);
  if (found_layer == layers_.end()) return result;  // no_layer
  if (found_layer->second.disabled) {
    result.outcome = LayerLookup::Outcome::disabled;
    return result;
  }
  const auto found_device = found_layer->second.devices.find(device_type);
  if (found_device == found_layer->second.devices.end()) {
    result.outcome = LayerLookup::Outcome::no_device;
    return result;
  }
  const ModeRepositories* modes = nullptr;
  if (found_device->second.modes) {
    modes = &*found_device->second.modes;
  } else {
    const int point = capability.value_or(0);
    const CapabilityEntry* best = nullptr;
    for (const CapabilityEntry& entry : found_device->second.by_capability) {
      if (point < entry.min_capability || point > entry.max_capability) continue;
      const auto width = [](const CapabilityEntry& e) {
        return static_cast<long long>(e.max_capability) - e.min_capability;
      };
      if (best == nullptr || width(entry) < width(*best)) best = &entry;
    }
    if (best == nullptr) {
      result.outcome = LayerLookup::Outcome::no_capability;
      return result;
    }
    modes = &best->modes;
  }
  for (const Mode candidate : mode_fallback_order(mode)) {
    if (const auto found = modes->find(candidate); found != modes->end()) {
      result.outcome = LayerLookup::Outcome::found;
      result.repository = found->second;
      result.mode = candidate;
      return result;
    }
  }
  result.outcome = LayerLookup::Outcome::no_mode;
  return result;
}

std::vector<LayerRepository> KernelMapping::repositories() const {
  std::vector<LayerRepository> repositories;
  const auto add_all = [&](const ModeRepositories& modes) {
    for (const auto& [mode, repository] : modes) {
      if (std::find(repositories.begin(), repositories.end(), repository) == repositories.end())
        repositories.push_back(repository);
    }
  };
  for (const auto& [layer, entries] : layers_) {
    for (const auto& [type, device] : entries.devices) {
      if (device.modes) add_all(*device.modes);
      for (const CapabilityEntry& entry : device.by_capability)
        add_all(entry.modes);
    }
  }
  return repositories;
}

}  // namespace kernels::torch
