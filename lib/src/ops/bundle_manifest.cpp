// manifest.json of a bundle: writing, and reading with every value checked.
#include "ops/bundle_manifest.hpp"

#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "kernels/cache/variant_verify.hpp"
#include "kernels/model/repo_id.hpp"
#include "kernels/model/repo_path.hpp"
#include "kernels/model/variant.hpp"

namespace kernels::detail {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormat = "kernels-bundle";
constexpr int kVersion = 1;

tl::unexpected<Error> malformed(const std::string& where, const std::string& what) {
  return fail(ErrorCode::invalid_input,
              "bundle manifest: " + where + ": " + what +
                  "; the archive is damaged or was not written by `kernels bundle export`");
}

bool is_lower_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> string_at(const Json& object, const char* key, const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string())
    return malformed(where + "." + key, "expected a string");
  return found->get<std::string>();
}

Result<const Json*> array_at(const Json& object, const char* key, const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_array())
    return malformed(where + "." + key, "expected an array");
  return &*found;
}

Result<CacheFile> read_file(const Json& item, const std::string& where, const std::string& prefix) {
  if (!item.is_object()) return malformed(where, "expected an object");
  auto path = string_at(item, "path", where);
  if (!path) return tl::unexpected(path.error());
  auto etag = string_at(item, "etag", where);
  if (!etag) return tl::unexpected(etag.error());
  const auto size = item.find("size");
  if (size == item.end() || !size->is_number_unsigned())
    return malformed(where + ".size", "expected a byte count");
  if (auto valid = validate_repo_path(*path); !valid)
    return malformed(where + ".path", valid.error().message);
  if (path->rfind(prefix, 0) != 0 || path->size() == prefix.size())
    return malformed(where + ".path", "'" + *path + "' is not a file under " + prefix);
  if (is_bytecode_path(*path)) return malformed(where + ".path", "bytecode is never bundled");
  if (auto valid = validate_etag(*etag, where + ".etag"); !valid)
    return tl::unexpected(valid.error());
  return CacheFile{*path, *etag, size->get<std::uint64_t>()};
}

Result<BundleVariantEntry> read_variant(const Json& item, const std::string& where) {
  if (!item.is_object()) return malformed(where, "expected an object");
  BundleVariantEntry variant;
  auto name = string_at(item, "name", where);
  if (!name) return tl::unexpected(name.error());
  if (auto parsed = parse_variant(*name); !parsed)
    return malformed(where + ".name", parsed.error().message);
  variant.name = *name;
  auto lock_hash = string_at(item, "lock_hash", where);
  if (!lock_hash) return tl::unexpected(lock_hash.error());
  variant.lock_hash = *lock_hash;
  auto files = array_at(item, "files", where);
  if (!files) return tl::unexpected(files.error());
  const std::string prefix = variant_prefix(variant.name);
  std::set<std::string> paths;
  for (std::size_t i = 0; i < (*files)->size(); ++i) {
    const std::string file_where = where + ".files[" + std::to_string(i) + "]";
    auto file = read_file((**files)[i], file_where, prefix);
    if (!file) return tl::unexpected(file.error());
    if (!paths.insert(file->path).second) return malformed(file_where, "the path appears twice");
    variant.files.push_back(std::move(*file));
  }
  if (variant.files.empty()) return malformed(where + ".files", "a variant has no files");
  if (!variant.lock_hash.empty()) {
    auto hash = variant_hash_of(variant.files, variant.name);
    if (!hash) return tl::unexpected(hash.error());
    if (*hash != variant.lock_hash)
      return fail(ErrorCode::integrity,
                  "bundle manifest: variant " + variant.name + " lists files whose hash is " +
                      *hash + ", not the lock hash " + variant.lock_hash + " it claims");
  }
  return variant;
}

Result<BundleKernelEntry> read_kernel(const Json& item, const std::string& where) {
  if (!item.is_object()) return malformed(where, "expected an object");
  BundleKernelEntry kernel;
  auto repo_id = string_at(item, "repo_id", where);
  if (!repo_id) return tl::unexpected(repo_id.error());
  if (auto valid = validate_repo_id(*repo_id); !valid)
    return malformed(where + ".repo_id", valid.error().message);
  kernel.repo_id = *repo_id;
  auto type = string_at(item, "repo_type", where);
  if (!type) return tl::unexpected(type.error());
  if (*type == "kernel") {
    kernel.type = RepoType::kernel;
  } else if (*type == "model") {
    kernel.type = RepoType::model;
  } else {
    return malformed(where + ".repo_type", "expected \"kernel\" or \"model\"");
  }
  auto commit = string_at(item, "commit", where);
  if (!commit) return tl::unexpected(commit.error());
  if ((commit->size() != 40 && commit->size() != 64) || !is_lower_hex(*commit))
    return malformed(where + ".commit", "expected a commit id (40 or 64 lowercase hex digits)");
  kernel.commit = *commit;
  auto variants = array_at(item, "variants", where);
  if (!variants) return tl::unexpected(variants.error());
  std::set<std::string> names;
  for (std::size_t i = 0; i < (*variants)->size(); ++i) {
    const std::string variant_where = where + ".variants[" + std::to_string(i) + "]";
    auto variant = read_variant((**variants)[i], variant_where);
    if (!variant) return tl::unexpected(variant.error());
    if (!names.insert(variant->name).second)
      return malformed(variant_where, "variant " + variant->name + " appears twice");
    kernel.variants.push_back(std::move(*variant));
  }
  return kernel;
}

}  // namespace

std::string serialize_bundle_manifest(const BundleManifest& manifest) {
  Json kernels = Json::array();
  for (const BundleKernelEntry& kernel : manifest.kernels) {
    Json variants = Json::array();
    for (const BundleVariantEntry& variant : kernel.variants) {
      Json files = Json::array();
      for (const CacheFile& file : variant.files)
        files.push_back(Json{{"path", file.path}, {"etag", file.etag}, {"size", file.size}});
      variants.push_back(
          Json{{"name", variant.name}, {"lock_hash", variant.lock_hash}, {"files", files}});
    }
    kernels.push_back(Json{{"repo_id", kernel.repo_id},
                           {"repo_type", kernel.type == RepoType::model ? "model" : "kernel"},
                           {"commit", kernel.commit},
                           {"variants", variants}});
  }
  return Json{{"format", kFormat}, {"version", kVersion}, {"kernels", kernels}}.dump(2);
}

Result<BundleManifest> parse_bundle_manifest(std::string_view text) {
  if (text.size() > kMaxBundleManifestBytes)
    return malformed("$", "larger than " + std::to_string(kMaxBundleManifestBytes) + " bytes");
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::exception& error) {
    return malformed("$", std::string("not JSON (") + error.what() + ")");
  }
  if (!root.is_object()) return malformed("$", "expected an object");
  auto format = string_at(root, "format", "$");
  if (!format || *format != kFormat) return malformed("$.format", "expected \"kernels-bundle\"");
  const auto version = root.find("version");
  if (version == root.end() || !version->is_number_integer() || *version != kVersion)
    return malformed("$.version",
                     "this build reads bundle version 1; export the bundle with the same version "
                     "of kernels");
  auto kernels = array_at(root, "kernels", "$");
  if (!kernels) return tl::unexpected(kernels.error());
  BundleManifest manifest;
  std::set<std::string> folders;
  for (std::size_t i = 0; i < (*kernels)->size(); ++i) {
    const std::string where = "$.kernels[" + std::to_string(i) + "]";
    auto kernel = read_kernel((**kernels)[i], where);
    if (!kernel) return tl::unexpected(kernel.error());
    if (!folders.insert(cache_repo_folder_name(kernel->repo_id, kernel->type)).second)
      return malformed(where, kernel->repo_id + " appears twice");
    manifest.kernels.push_back(std::move(*kernel));
  }
  return manifest;
}

std::string bundle_blob_member(const CacheRepo& repo, std::string_view etag) {
  return repo.folder_name() + "/blobs/" + std::string(etag);
}

}  // namespace kernels::detail
