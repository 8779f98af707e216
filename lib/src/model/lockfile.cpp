#include "kernels/model/lockfile.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kernels/util/text_file.hpp"

#include "json_text.hpp"

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
namespace {

// A JSON string as serde_json writes it: '"', '\\' and control characters escaped (\b \f \n \r
// \t, others as \u00xx), everything else, UTF-8 included, as it is.
std::string serde_json_quote(std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4U];
          out += kHex[byte & 0xfU];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// kernels-data keeps its locks in a map ordered by dependency: repo id bytes, then a version
// before a revision, then the version number or the revision bytes.
bool dependency_order(const LockedKernel& a, const LockedKernel& b) {
  if (a.repo_id != b.repo_id) return a.repo_id < b.repo_id;
  const auto rank = [](const LockedKernel& kernel) {
    return kernel.requirement ? kernel.requirement->index() : std::size_t{0};
  };
  if (rank(a) != rank(b)) return std::get_if<MajorVersion>(&*a.requirement) != nullptr;
  if (const auto* version = std::get_if<MajorVersion>(&*a.requirement)) {
    return version->number < std::get<MajorVersion>(*b.requirement).number;
  }
  return std::get<Revision>(*a.requirement).name < std::get<Revision>(*b.requirement).name;
}

std::string serialize_dependency_commits(const Lockfile& lockfile) {
  if (lockfile.kernels.empty()) return "[]";
  std::vector<const LockedKernel*> sorted;
  for (const LockedKernel& kernel : lockfile.kernels)
    sorted.push_back(&kernel);
  std::stable_sort(sorted.begin(), sorted.end(), [](const LockedKernel* a, const LockedKernel* b) {
    return dependency_order(*a, *b);
  });
  std::string out = "[";
  for (const LockedKernel* kernel : sorted) {
    out += out.size() == 1 ? "\n" : ",\n";
    out += "  {\n    \"dependency\": {\n";
    out += "      \"repo-id\": " + serde_json_quote(kernel->repo_id) + ",\n";
    if (const auto* version = std::get_if<MajorVersion>(&*kernel->requirement)) {
      out += "      \"version\": " + std::to_string(version->number) + "\n";
    } else {
      out +=
          "      \"revision\": " + serde_json_quote(std::get<Revision>(*kernel->requirement).name) +
          "\n";
    }
    out += "    },\n    \"lock\": {\n";
    out += "      \"commit\": " + serde_json_quote(kernel->sha) + "\n";
    out += "    }\n  }";
  }
  out += "\n]";
  return out;
}

}  // namespace

std::string serialize_lockfile(const Lockfile& lockfile) {
  using detail::python_json_quote;
  if (lockfile.format == LockFormat::dependency_commits)
    return serialize_dependency_commits(lockfile);
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
  auto text = read_text_file(file, kMaxLockfileBytes);
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
