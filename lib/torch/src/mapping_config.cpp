// The KernelConfig form of a kernel mapping in the project config (mapping.hpp).

#include <toml++/toml.h>

#include "kernels/model/project_config.hpp"
#include "kernels/torch/mapping.hpp"
#include "kernels/util/text_file.hpp"

namespace kernels::torch {
namespace {

std::string location_of(std::string_view file_name, const toml::source_region& source) {
  return std::string(file_name) + ":" + std::to_string(source.begin.line) + ":" +
         std::to_string(source.begin.column);
}

tl::unexpected<Error> invalid(std::string_view file_name, const toml::node& node,
                              std::string message) {
  return fail(ErrorCode::invalid_input, std::move(message), location_of(file_name, node.source()));
}

// A repository string, or the mode table of one device.
Result<ModeRepositories> device_value(const toml::node& value, const std::string& layer,
                                      std::string_view file_name) {
  if (const auto* text = value.as_string()) {
    auto repository = LayerRepository::parse(text->get());
    if (!repository) return invalid(file_name, value, repository.error().message);
    return ModeRepositories{{Mode::fallback, std::move(*repository)}};
  }
  const auto* table = value.as_table();
  if (table == nullptr) {
    return invalid(file_name, value,
                   "layers." + layer + ": expected \"org/repo:Layer\" or a table of modes");
  }
  ModeRepositories modes;
  for (const auto& [key, repository_node] : *table) {
    auto mode = parse_mode(key.str());
    if (!mode) return invalid(file_name, repository_node, mode.error().message);
    const auto* text = repository_node.as_string();
    if (text == nullptr) {
      return invalid(
          file_name, repository_node,
          "layers." + layer + "." + std::string(key.str()) + ": expected \"org/repo:Layer\"");
    }
    auto repository = LayerRepository::parse(text->get());
    if (!repository) return invalid(file_name, repository_node, repository.error().message);
    modes.emplace(*mode, std::move(*repository));
  }
  return modes;
}

Result<void> add_layer(KernelMapping& mapping, const std::string& layer, const toml::node& value,
                       std::string_view file_name) {
  if (const auto* text = value.as_string(); text != nullptr && text->get().empty()) {
    mapping.disable(layer);
    return {};
  }
  if (value.is_string()) {
    auto modes = device_value(value, layer, file_name);
    if (!modes) return tl::unexpected(modes.error());
    for (const std::string_view type : {"cpu", "cuda", "rocm", "xpu", "mps", "npu"}) {
      if (auto set = mapping.set(layer, DeviceSpec{std::string(type)}, *modes); !set) return set;
    }
    return {};
  }
  const auto* devices = value.as_table();
  if (devices == nullptr) {
    return invalid(
        file_name, value,
        "layers." + layer + ": expected \"org/repo:Layer\", \"\" (disabled) or a table of devices");
  }
  for (const auto& [device, device_node] : *devices) {
    const std::string type(device.str());
    if (!is_known_device_type(type)) {
      return fail(ErrorCode::invalid_input, "Unknown device type: " + type,
                  location_of(file_name, device.source()));
    }
    if (const auto* text = device_node.as_string(); text != nullptr && text->get().empty()) {
      continue;  // "" for one device: no kernel there
    }
    auto modes = device_value(device_node, layer, file_name);
    if (!modes) return tl::unexpected(modes.error());
    if (auto set = mapping.set(layer, DeviceSpec{type}, std::move(*modes)); !set) {
      return invalid(file_name, device_node, set.error().message);
    }
  }
  return {};
}

}  // namespace

Result<KernelMapping> parse_kernel_mapping_config(std::string_view toml_text, bool pyproject,
                                                  std::string_view file_name) {
  toml::table document;
  try {
    document = toml::parse(toml_text, std::string(file_name));
  } catch (const toml::parse_error& error) {
    return fail(ErrorCode::invalid_input, std::string(error.description()),
                location_of(file_name, error.source()));
  }
  const toml::node_view layers =
      pyproject ? document["tool"]["kernels"]["layers"] : document["layers"];
  KernelMapping mapping;
  if (!layers) return mapping;
  const auto* table = layers.as_table();
  if (table == nullptr) {
    return invalid(file_name, *layers.node(),
                   std::string(pyproject ? "tool.kernels.layers" : "layers") +
                       " must be a table of layer names");
  }
  for (const auto& [layer, value] : *table) {
    if (auto added = add_layer(mapping, std::string(layer.str()), value, file_name); !added) {
      return tl::unexpected(added.error());
    }
  }
  return mapping;
}

Result<KernelMapping> load_kernel_mapping(const std::filesystem::path& project_dir) {
  auto config = load_project_config(project_dir);
  if (!config) return tl::unexpected(config.error());
  auto text = read_text_file(config->path, kMaxProjectConfigBytes);
  if (!text) return tl::unexpected(text.error());
  return parse_kernel_mapping_config(*text, config->format == ConfigFormat::pyproject,
                                     config->path.string());
}

}  // namespace kernels::torch
