// metadata.json: nlohmann parses, this file checks shape and values (kernels-spec.md 9.2).
#include "kernels/model/metadata.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "kernels/model/repo_id.hpp"
#include "kernels/util/text_file.hpp"

#include "json_text.hpp"
#include "util/ascii.hpp"

namespace kernels {
namespace {

// The lockfile reader's JSON type: the loader parses both on its cold path, and one instantiation
// of the parser is half the code to page in.
using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 8> kBackendTypes{"cann",   "cpu",  "cuda", "metal",
                                                        "neuron", "rocm", "tpu",  "xpu"};

// ^[a-z][-a-z0-9]*[a-z0-9]$
bool is_kernel_name(std::string_view name) {
  if (name.size() < 2) return false;
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || ascii::is_digit(c); };
  if (!(name.front() >= 'a' && name.front() <= 'z') || !lower_or_digit(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '-'; });
}

class MetadataReader {
 public:
  explicit MetadataReader(std::string_view file_name) : file_name_(file_name) {}

  Result<KernelMetadata> read(const Json& root) const {
    if (!root.is_object()) return error("$", "expected a JSON object");
    KernelMetadata metadata;
    if (auto ok = required_string(root, "name", metadata.name); !ok)
      return tl::unexpected(ok.error());
    if (!is_kernel_name(metadata.name)) {
      return error("$.name",
                   "invalid kernel name " + detail::shown_value(metadata.name) +
                       "; expected lowercase letters, digits and '-', starting with a letter");
    }
    if (auto ok = required_string(root, "id", metadata.id); !ok) return tl::unexpected(ok.error());
    if (auto ok = required_string(root, "license", metadata.license); !ok)
      return tl::unexpected(ok.error());
    const auto version = root.find("version");
    if (version == root.end() || !version->is_number_unsigned()) {
      return error("$.version", "expected the kernel's major version as a non-negative integer");
    }
    metadata.version = version->get<std::uint64_t>();
    for (const char* key : {"upstream", "source"}) {
      const auto value = root.find(key);
      if (value == root.end() || value->is_null()) continue;
      if (!value->is_string()) return error(std::string("$.") + key, "expected a git URL string");
      (std::string_view(key) == "upstream" ? metadata.upstream : metadata.source) =
          value->get<std::string>();
    }
    if (auto ok = read_python_depends(root, metadata); !ok) return tl::unexpected(ok.error());
    if (auto ok = read_kernel_depends(root, metadata); !ok) return tl::unexpected(ok.error());
    if (auto ok = read_backend(root, metadata); !ok) return tl::unexpected(ok.error());
    if (auto ok = read_digest(root, metadata); !ok) return tl::unexpected(ok.error());
    return metadata;
  }

 private:
  tl::unexpected<Error> error(std::string_view path, std::string message) const {
    return fail(ErrorCode::invalid_input, std::move(message),
                detail::json_location(file_name_, path));
  }

  Result<void> required_string(const Json& object, const char* key, std::string& out) const {
    const auto value = object.find(key);
    if (value == object.end()) return error("$", std::string("missing the field \"") + key + "\"");
    if (!value->is_string()) return error(std::string("$.") + key, "expected a string");
    out = value->get<std::string>();
    return {};
  }

  Result<void> read_python_depends(const Json& root, KernelMetadata& metadata) const {
    const auto depends = root.find("python-depends");
    if (depends == root.end()) return error("$", "missing the field \"python-depends\"");
    if (!depends->is_array()) return error("$[\"python-depends\"]", "expected an array of strings");
    for (std::size_t i = 0; i < depends->size(); ++i) {
      if (!(*depends)[i].is_string()) {
        return error(detail::json_path_element("$[\"python-depends\"]", i), "expected a string");
      }
      metadata.python_depends.push_back((*depends)[i].get<std::string>());
    }
    return {};
  }

  Result<void> read_kernel_depends(const Json& root, KernelMetadata& metadata) const {
    const auto depends = root.find("kernel-depends");
    if (depends == root.end() || depends->is_null()) return {};
    if (!depends->is_array()) return error("$[\"kernel-depends\"]", "expected an array");
    for (std::size_t i = 0; i < depends->size(); ++i) {
      const std::string path = detail::json_path_element("$[\"kernel-depends\"]", i);
      const Json& entry = (*depends)[i];
      const auto repo = entry.is_object() ? entry.find("repo-id") : entry.end();
      if (!entry.is_object() || repo == entry.end() || !repo->is_string()) {
        return error(
            path,
            "expected {\"repo-id\": ..., \"version\": N} or {\"repo-id\": ..., \"revision\": ...}");
      }
      Dependency dependency{repo->get<std::string>(), MajorVersion{}};
      if (auto valid = validate_repo_id(dependency.repo_id); !valid)
        return error(path, valid.error().message);
      const bool has_version = entry.contains("version");
      if (has_version == entry.contains("revision")) {
        return error(path, "exactly one of \"version\" and \"revision\" must be given");
      }
      if (has_version) {
        const Json& version = entry["version"];
        if (!version.is_number_unsigned() || version.get<std::uint64_t>() > 1'000'000) {
          return error(path, "expected a non-negative integer \"version\"");
        }
        dependency.requirement = MajorVersion{static_cast<int>(version.get<std::uint64_t>())};
      } else {
        if (!entry["revision"].is_string()) return error(path, "expected a string \"revision\"");
        dependency.requirement = Revision{entry["revision"].get<std::string>()};
      }
      metadata.kernel_depends.push_back(std::move(dependency));
    }
    return {};
  }

  Result<void> read_backend(const Json& root, KernelMetadata& metadata) const {
    const auto backend = root.find("backend");
    if (backend == root.end() || !backend->is_object()) {
      return error("$.backend", "expected {\"type\": \"cpu\" | \"cuda\" | ...}");
    }
    if (auto ok = required_string(*backend, "type", metadata.backend.type); !ok) {
      return error("$.backend.type", ok.error().message);
    }
    if (!is_metadata_backend_type(metadata.backend.type)) {
      return error("$.backend.type",
                   "unknown backend " + detail::shown_value(metadata.backend.type) +
                       "; expected cann, cpu, cuda, metal, neuron, rocm, tpu or xpu");
    }
    const auto archs = backend->find("archs");
    if (archs == backend->end() || archs->is_null()) return {};
    if (!archs->is_array()) return error("$.backend.archs", "expected an array of strings");
    for (const Json& arch : *archs) {
      if (!arch.is_string()) return error("$.backend.archs", "expected an array of strings");
      metadata.backend.archs.push_back(arch.get<std::string>());
    }
    return {};
  }

  Result<void> read_digest(const Json& root, KernelMetadata& metadata) const {
    const auto digest = root.find("digest");
    if (digest == root.end() || digest->is_null()) return {};
    if (!digest->is_object()) return error("$.digest", "expected {\"algorithm\", \"files\"}");
    MetadataDigest parsed;
    if (auto ok = required_string(*digest, "algorithm", parsed.algorithm); !ok) {
      return error("$.digest.algorithm", ok.error().message);
    }
    if (parsed.algorithm != "sha256" && parsed.algorithm != "sha512") {
      return error("$.digest.algorithm", "unsupported digest algorithm " +
                                             detail::shown_value(parsed.algorithm) +
                                             "; expected sha256 or sha512");
    }
    const auto files = digest->find("files");
    if (files == digest->end() || !files->is_object()) {
      return error("$.digest.files", "expected an object mapping file paths to base64 digests");
    }
    for (const auto& [path, value] : files->items()) {
      if (!value.is_string())
        return error(detail::json_path_member("$.digest.files", path), "expected a base64 string");
      parsed.files.emplace(path, value.get<std::string>());
    }
    metadata.digest = std::move(parsed);
    return {};
  }

  std::string_view file_name_;
};

}  // namespace

bool is_metadata_backend_type(std::string_view type) {
  return std::find(kBackendTypes.begin(), kBackendTypes.end(), type) != kBackendTypes.end();
}

Result<KernelMetadata> parse_metadata(std::string_view text, std::string_view file_name) {
  if (text.size() > kMaxMetadataBytes) {
    return fail(ErrorCode::invalid_input,
                "metadata.json is larger than " + describe_size(kMaxMetadataBytes),
                std::string(file_name));
  }
  Json root = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    return fail(ErrorCode::invalid_input, "metadata.json is not valid JSON",
                std::string(file_name));
  }
  return MetadataReader(file_name).read(root);
}

Result<KernelMetadata> read_metadata(const std::filesystem::path& path) {
  auto text = read_text_file(path, kMaxMetadataBytes);
  if (!text) return tl::unexpected(std::move(text.error()));
  return parse_metadata(*text, path.string());
}

}  // namespace kernels
