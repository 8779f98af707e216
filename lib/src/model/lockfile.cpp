#include "kernels/model/lockfile.hpp"

#include <algorithm>
#include <utility>

#include "json_text.hpp"
#include "text_file.hpp"

namespace kernels {

const VariantLock* LockedKernel::find_variant(std::string_view name) const {
  const auto it = std::find_if(variants.begin(), variants.end(),
                               [&](const LockedVariant& variant) { return variant.name == name; });
  return it == variants.end() ? nullptr : &it->lock;
}

const LockedKernel* Lockfile::find(std::string_view repo_id) const {
  const auto it = std::find_if(kernels.begin(), kernels.end(), [&](const LockedKernel& kernel) {
    return kernel.repo_id == repo_id;
  });
  return it == kernels.end() ? nullptr : &*it;
}

LockedKernel* Lockfile::find(std::string_view repo_id) {
  return const_cast<LockedKernel*>(std::as_const(*this).find(repo_id));
}

std::filesystem::path lockfile_path(const std::filesystem::path& project_dir) {
  return project_dir / "kernels.lock";
}

// The layout below is what Python's json.dumps(..., indent=2) produces for this exact shape: each
// nested level indented by two more spaces, "," ending every line but the last of a container,
// and empty containers written as "[]" / "{}".
std::string serialize_lockfile(const Lockfile& lockfile) {
  using detail::python_json_quote;
  if (lockfile.kernels.empty()) return "[]";
  std::string out = "[";
  bool first_kernel = true;
  for (const LockedKernel& kernel : lockfile.kernels) {
    out += first_kernel ? "\n" : ",\n";
    first_kernel = false;
    out += "  {\n";
    out += "    \"repo_id\": " + python_json_quote(kernel.repo_id) + ",\n";
    out += "    \"sha\": " + python_json_quote(kernel.sha) + ",\n";
    out += "    \"variants\": ";
    if (kernel.variants.empty()) {
      out += "{}";
    } else {
      out += "{";
      bool first_variant = true;
      for (const LockedVariant& variant : kernel.variants) {
        out += first_variant ? "\n" : ",\n";
        first_variant = false;
        out += "      " + python_json_quote(variant.name) + ": {\n";
        out += "        \"hash\": " + python_json_quote(variant.lock.hash) + ",\n";
        out += "        \"hash_type\": " + python_json_quote(variant.lock.hash_type) + "\n";
        out += "      }";
      }
      out += "\n    }";
    }
    out += "\n  }";
  }
  out += "\n]";
  return out;
}

Result<Lockfile> read_lockfile(const std::filesystem::path& file) {
  auto text = detail::read_text_file(file, kMaxLockfileBytes);
  if (!text) {
    Error error = std::move(text.error());
    if (error.code == ErrorCode::not_found) {
      const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
      error.message = file.filename() == "kernels.lock"
                          ? "No kernels.lock file found in: " + dir.string() +
                                "; run `kernels lock` to create it"
                          : "No lockfile found at: " + file.string() +
                                "; check the path, or run `kernels lock` to create kernels.lock";
    }
    return tl::unexpected(std::move(error));
  }
  return parse_lockfile(*text, file.string());
}

}  // namespace kernels
