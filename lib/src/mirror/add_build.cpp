#include "kernels/mirror/add_build.hpp"

#include <algorithm>
#include <array>
#include <system_error>
#include <utility>
#include <vector>

#include "kernels/model/repo_path.hpp"
#include "kernels/util/hash.hpp"

#include "mirror/file_io.hpp"
#include "mirror/repo_id_check.hpp"
#include "mirror/repo_lock.hpp"

namespace kernels::mirror {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefaultMessage = "Add build";

// A file of the build folder: where it is read from and the path it gets in the repo.
struct BuildFile {
  fs::path source;
  std::string repo_path;
};

Result<void> add_file_entry(const fs::path& build_root, const fs::directory_entry& entry,
                            std::vector<BuildFile>& files) {
  std::error_code error;
  const fs::path relative = entry.path().lexically_relative(build_root);
  const std::string repo_path = relative.generic_string();
  if (auto ok = validate_repo_path(repo_path); !ok) {
    return fail(ErrorCode::invalid_input, ok.error().message, entry.path().string());
  }
  if (entry.is_symlink(error)) {
    const fs::path target = fs::canonical(entry.path(), error);
    if (error) {
      return fail(ErrorCode::invalid_input, "the symbolic link leads nowhere",
                  entry.path().string());
    }
    const fs::path inside = target.lexically_relative(build_root);
    if (inside.empty() || *inside.begin() == "..") {
      return fail(ErrorCode::invalid_input,
                  "the symbolic link leads outside the build folder (to " + target.string() +
                      "); copy the file into the folder instead",
                  entry.path().string());
    }
    if (!fs::is_regular_file(target, error)) {
      return fail(ErrorCode::invalid_input,
                  "the symbolic link does not lead to a regular file (links to folders are not "
                  "followed); copy the files instead",
                  entry.path().string());
    }
    files.push_back(BuildFile{target, repo_path});
    return {};
  }
  if (entry.is_directory(error)) return {};
  if (!entry.is_regular_file(error)) {
    return fail(ErrorCode::invalid_input,
                "not a regular file, folder or link (a socket, pipe or device?)",
                entry.path().string());
  }
  files.push_back(BuildFile{entry.path(), repo_path});
  return {};
}

Result<std::vector<BuildFile>> collect_build_files(const fs::path& build_dir) {
  std::error_code error;
  const fs::path root = fs::canonical(build_dir, error);
  if (error || !fs::is_directory(root, error)) {
    return fail(ErrorCode::not_found, "the build folder does not exist or is not a folder",
                build_dir.string());
  }
  std::vector<BuildFile> files;
  fs::recursive_directory_iterator walker(root, error);
  for (; !error && walker != fs::recursive_directory_iterator(); walker.increment(error)) {
    if (auto ok = add_file_entry(root, *walker, files); !ok) return tl::unexpected(ok.error());
  }
  if (error) {
    return fail(ErrorCode::io, "cannot list the build folder: " + error.message(),
                build_dir.string());
  }
  if (files.empty()) {
    return fail(ErrorCode::invalid_input, "the build folder holds no files", build_dir.string());
  }
  std::sort(files.begin(), files.end(),
            [](const BuildFile& a, const BuildFile& b) { return a.repo_path < b.repo_path; });
  return files;
}

// Hashes the file (SHA-256 and git blob id in one pass), copies it into the object store, and
// returns its commit entry.
Result<MirrorFile> store_build_file(const Store& store, const BuildFile& file) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(file.source, error);
  if (error) {
    return fail(ErrorCode::io, "cannot read the file's size: " + error.message(),
                file.source.string());
  }
  Sha256 sha256;
  GitBlobHasher blob(size);
  auto hashed = detail::for_each_chunk(file.source, [&](std::string_view chunk) -> Result<void> {
    sha256.update(chunk);
    blob.update(chunk);
    return {};
  });
  if (!hashed) return tl::unexpected(hashed.error());
  auto sha256_hex = sha256.finish_hex();
  if (!sha256_hex) return tl::unexpected(sha256_hex.error());
  auto blob_id = blob.finish_hex();
  if (!blob_id) {
    return fail(blob_id.error().code, blob_id.error().message, file.source.string());
  }
  if (auto ok = store.store_object(file.source, *sha256_hex); !ok)
    return tl::unexpected(ok.error());

  MirrorFile entry{file.repo_path, size, std::move(*blob_id), std::move(*sha256_hex), false};
  if (is_lfs_file(entry.path, size)) {
    auto pointer_id = git_blob_id(lfs_pointer(entry.sha256, size));
    if (!pointer_id) return tl::unexpected(pointer_id.error());
    entry.oid = std::move(*pointer_id);
    entry.lfs = true;
  }
  return entry;
}

Result<void> check_options(const AddBuildOptions& options) {
  if (auto ok = detail::check_repo_id(options.repo_id); !ok) return ok;
  if (!options.tag.empty()) {
    if (auto ok = validate_ref_name(options.tag); !ok) return ok;
  }
  if (!options.branch.empty()) {
    if (auto ok = validate_ref_name(options.branch); !ok) return ok;
  }
  return {};
}

// repo.json for the add: a new repo's settings, or the existing ones (type checked, private
// added when asked).
Result<RepoSettings> settings_for_add(const std::optional<RepoSettings>& existing,
                                      const AddBuildOptions& options, const std::string& date) {
  if (!existing) {
    RepoSettings settings;
    settings.type = options.type;
    settings.is_private = options.make_private;
    settings.created_at = date;
    return settings;
  }
  if (existing->type != options.type) {
    return fail(ErrorCode::invalid_input,
                options.repo_id + " is a " + std::string(to_string(existing->type)) +
                    " repo in this mirror; add with --type " +
                    std::string(to_string(existing->type)) + " or use another repo name");
  }
  RepoSettings settings = *existing;
  settings.is_private = settings.is_private || options.make_private;
  return settings;
}

}  // namespace

bool is_lfs_file(std::string_view path, std::uint64_t size) {
  if (size > kLfsSizeThreshold) return true;
  constexpr std::array<std::string_view, 4> kBinarySuffixes = {".so", ".dylib", ".dll",
                                                               ".metallib"};
  return std::any_of(kBinarySuffixes.begin(), kBinarySuffixes.end(),
                     [path](std::string_view suffix) { return path.ends_with(suffix); });
}

Result<AddBuildResult> add_build(const Store& store, const AddBuildOptions& options) {
  if (auto ok = check_options(options); !ok) return tl::unexpected(ok.error());
  auto files = collect_build_files(options.build_dir);
  if (!files) return tl::unexpected(files.error());
  auto repo_dir = store.repo_dir(options.repo_id);
  if (!repo_dir) return tl::unexpected(repo_dir.error());

  auto lock = detail::RepoLock::acquire(*repo_dir);
  if (!lock) return tl::unexpected(lock.error());
  auto existing = store.read_repo(options.repo_id);
  if (!existing) return tl::unexpected(existing.error());
  auto refs = store.read_refs(options.repo_id);
  if (!refs) return tl::unexpected(refs.error());
  if (!options.tag.empty()) {
    if (const auto tagged = refs->tags.find(options.tag); tagged != refs->tags.end()) {
      return fail(ErrorCode::failure,
                  "tag '" + options.tag + "' of " + options.repo_id + " already points to commit " +
                      tagged->second + "; tags never move, so tag this build with a new version");
    }
  }

  const std::string date = iso8601_utc(options.created_unix_seconds);
  auto settings = settings_for_add(*existing, options, date);
  if (!settings) return tl::unexpected(settings.error());

  AddBuildResult result;
  result.created_repo = !existing->has_value();
  MirrorCommit commit;
  commit.created = date;
  commit.message = options.message.empty() ? std::string(kDefaultMessage) : options.message;
  if (const auto main = refs->branches.find("main"); main != refs->branches.end()) {
    commit.parents.push_back(main->second);
    result.parent = main->second;
  }
  for (const BuildFile& file : *files) {
    auto entry = store_build_file(store, file);
    if (!entry) return tl::unexpected(entry.error());
    result.bytes += entry->size;
    if (entry->lfs) ++result.lfs_files;
    commit.files.push_back(std::move(*entry));
  }
  result.files = commit.files.size();

  if (auto ok = store.write_repo(options.repo_id, *settings); !ok)
    return tl::unexpected(ok.error());
  auto id = store.write_commit(options.repo_id, std::move(commit));
  if (!id) return tl::unexpected(id.error());
  result.commit = *id;
  refs->branches["main"] = *id;
  if (!options.branch.empty()) refs->branches[options.branch] = *id;
  if (!options.tag.empty()) refs->tags[options.tag] = *id;
  if (options.trusted_publisher) {
    const std::string org = options.repo_id.substr(0, options.repo_id.find('/'));
    if (auto ok = store.write_org(org, OrgSettings{true}); !ok) return tl::unexpected(ok.error());
  }
  if (auto ok = store.write_refs(options.repo_id, *refs); !ok) return tl::unexpected(ok.error());
  return result;
}

}  // namespace kernels::mirror
