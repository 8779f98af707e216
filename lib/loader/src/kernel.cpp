#include "kernels/loader/kernel.hpp"

#include <dlfcn.h>

namespace kernels {

std::string_view to_string(KernelVerification verification) {
  switch (verification) {
    case KernelVerification::marker:
      return "marker";
    case KernelVerification::full:
      return "full";
    case KernelVerification::local:
      return "local";
  }
  return "full";
}

Kernel::Kernel(LoadedKernelInfo info, void* handle, const kernels_layer_table* table)
    : info_(std::move(info)), handle_(handle), table_(table) {}

void* Kernel::symbol(const std::string& name) const {
  return handle_ == nullptr ? nullptr : dlsym(handle_, name.c_str());
}

namespace {

// The table's entries are `layer_size` bytes apart: a newer library may have appended fields.
const kernels_layer& layer_at(const kernels_layer_table& table, std::uint32_t index) {
  const auto* base = reinterpret_cast<const unsigned char*>(table.layers);
  return *reinterpret_cast<const kernels_layer*>(base + std::size_t{index} * table.layer_size);
}

std::string text_or_empty(const char* text) {
  return text == nullptr ? std::string() : std::string(text);
}

}  // namespace

const kernels_layer* Kernel::find_layer(std::string_view name) const {
  if (table_ == nullptr) return nullptr;
  for (std::uint32_t i = 0; i < table_->layer_count; ++i) {
    const kernels_layer& entry = layer_at(*table_, i);
    if (entry.name != nullptr && name == entry.name) return &entry;
  }
  return nullptr;
}

std::vector<std::string> Kernel::layer_names() const {
  std::vector<std::string> names;
  if (table_ == nullptr) return names;
  for (std::uint32_t i = 0; i < table_->layer_count; ++i)
    names.push_back(text_or_empty(layer_at(*table_, i).name));
  return names;
}

Result<KernelLayer> Kernel::layer(std::string_view name,
                                  std::string_view expected_signature) const {
  const std::string where = info_.repo_id + " (" + info_.variant + ")";
  if (table_ == nullptr) {
    return fail(ErrorCode::not_found, where + " has no C++ layer table (" KERNELS_LAYER_TABLE_SYMBOL
                                              "); its layers can only be used from Python");
  }
  const kernels_layer* entry = find_layer(name);
  if (entry == nullptr) {
    std::string known;
    for (const auto& layer_name : layer_names())
      known += (known.empty() ? "" : ", ") + layer_name;
    return fail(ErrorCode::not_found,
                "Layer `" + std::string(name) + "` not found in kernel repo " + where +
                    " (its layers: " + (known.empty() ? "none" : known) + ")");
  }
  KernelLayer layer{entry->name, text_or_empty(entry->forward_signature), entry->flags,
                    entry->devices, entry->forward};
  if (!expected_signature.empty() && layer.forward_signature != expected_signature) {
    return fail(ErrorCode::invalid_input, where + ": layer " + layer.name +
                                              " has the forward signature " +
                                              layer.forward_signature + " but the module expects " +
                                              std::string(expected_signature) +
                                              "; use a kernel version built for this layer");
  }
  if (layer.forward == nullptr) {
    return fail(ErrorCode::invalid_input, where + ": layer " + layer.name + " has no forward");
  }
  return layer;
}

}  // namespace kernels
