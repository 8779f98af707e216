#include "kernels/mirror/store.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <system_error>
#include <utility>

#include "kernels/util/atomic_file.hpp"
#include "kernels/util/hash.hpp"

#include "mirror/file_io.hpp"
#include "mirror/repo_id_check.hpp"
#include "mirror/store_json.hpp"

namespace kernels::mirror {
namespace {

namespace fs = std::filesystem;

// Bounds on what is read back from disk: a mirror's JSON files are small, and a huge one is a
// mistake or an attack, not something to parse.
constexpr std::uintmax_t kMaxSmallJsonBytes = 1U << 20;
constexpr std::uintmax_t kMaxCommitJsonBytes = 256U << 20;

tl::unexpected<Error> located(Error error, const fs::path& where) {
  if (error.location.empty()) error.location = where.string();
  return tl::unexpected(std::move(error));
}

template <class T, class Decode>
Result<std::optional<T>> read_json_file(const fs::path& path, std::uintmax_t max_bytes,
                                        Decode decode) {
  auto text = detail::read_file_if_exists(path, max_bytes);
  if (!text) return tl::unexpected(text.error());
  if (!*text) return std::optional<T>{};
  auto value = decode(**text);
  if (!value) return located(value.error(), path);
  return std::optional<T>{std::move(*value)};
}

Result<void> make_directories(const fs::path& directory) {
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    return fail(ErrorCode::io, "cannot create the folder: " + error.message(), directory.string());
  }
  return {};
}

Result<void> write_json_file(const fs::path& path, std::string_view content) {
  if (auto ok = make_directories(path.parent_path()); !ok) return ok;
  return write_file_atomically(path, content);
}

bool is_forbidden_ref_char(unsigned char byte) {
  if (byte < 0x20 || byte == 0x7f) return true;
  constexpr std::string_view kForbidden = " ~^:?*[\\";
  return kForbidden.find(static_cast<char>(byte)) != std::string_view::npos;
}

bool is_any_case_hex40(std::string_view text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

}  // namespace

std::string lfs_pointer(std::string_view sha256_hex, std::uint64_t size) {
  std::string pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:";
  pointer += sha256_hex;
  pointer += "\nsize ";
  pointer += std::to_string(size);
  pointer += '\n';
  return pointer;
}

std::string iso8601_utc(std::int64_t unix_seconds) {
  // Year 9999 at most: the date form has four year digits.
  constexpr std::int64_t kLast = 253402300799;
  const auto seconds = static_cast<std::time_t>(std::clamp<std::int64_t>(unix_seconds, 0, kLast));
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  std::array<char, 32> text{};
  const std::size_t length =
      std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S.000Z", &parts);
  return std::string(text.data(), length);
}

Result<std::string> commit_id(const MirrorCommit& commit) {
  if (auto ok = detail::validate_commit(commit); !ok) return tl::unexpected(ok.error());
  if (commit.upstream) return commit.upstream->commit;
  return sha1_hex(detail::canonical_commit_json(commit));
}

Result<void> validate_ref_name(std::string_view name) {
  const auto invalid = [name](std::string_view why) {
    return fail(ErrorCode::invalid_input,
                "invalid branch or tag name '" + std::string(name) + "': " + std::string(why));
  };
  if (name.empty()) return invalid("it is empty");
  if (name.size() > 255) return invalid("it is longer than 255 bytes");
  for (const char c : name) {
    if (is_forbidden_ref_char(static_cast<unsigned char>(c))) {
      return invalid("it contains a space, a control character or one of ~^:?*[\\");
    }
  }
  if (name.find("..") != std::string_view::npos) return invalid("it contains '..'");
  if (name.find("@{") != std::string_view::npos || name == "@") return invalid("it contains '@{'");
  if (name.find("//") != std::string_view::npos) return invalid("it contains '//'");
  if (name.front() == '/' || name.back() == '/' || name.back() == '.') {
    return invalid("it starts or ends with '/', or ends with '.'");
  }
  if (name.front() == '.' || name.find("/.") != std::string_view::npos) {
    return invalid("a part of it starts with '.'");
  }
  if (name.ends_with(".lock") || name.find(".lock/") != std::string_view::npos) {
    return invalid("a part of it ends with '.lock'");
  }
  if (name.starts_with("refs/")) return invalid("give the short name, without 'refs/'");
  if (is_any_case_hex40(name)) return invalid("40 hex digits would read as a commit id");
  return {};
}

Result<void> validate_org_name(std::string_view org) {
  return detail::check_repo_id_part(org, "organization");
}

Result<Store> Store::open(const fs::path& root) {
  const fs::path marker = root / "mirror.json";
  auto text = detail::read_file_if_exists(marker, kMaxSmallJsonBytes);
  if (!text) return tl::unexpected(text.error());
  if (!*text) {
    return fail(ErrorCode::not_found,
                "not a mirror directory (it has no mirror.json); fill one with "
                "`kernels mirror add BUILD_DIR --repo ORG/NAME --mirror DIR`",
                root.string());
  }
  if (auto ok = detail::check_mirror_marker(**text); !ok) return located(ok.error(), marker);
  return Store(root);
}

Result<void> Store::raise_format(int format) const {
  const fs::path marker = root_ / "mirror.json";
  auto text = detail::read_file_if_exists(marker, kMaxSmallJsonBytes);
  if (!text) return tl::unexpected(text.error());
  if (!*text) return fail(ErrorCode::not_found, "the mirror lost its mirror.json", marker.string());
  auto current = detail::check_mirror_marker(**text);
  if (!current) return located(current.error(), marker);
  if (*current >= format) return {};
  return write_file_atomically(marker, detail::encode_mirror_marker(format));
}

Result<Store> Store::open_or_create(const fs::path& root) {
  std::error_code error;
  if (!fs::exists(root / "mirror.json", error)) {
    if (auto ok = make_directories(root); !ok) return tl::unexpected(ok.error());
    // The oldest format that holds what is written: format 1 until a commit is pulled.
    if (auto ok = write_file_atomically(root / "mirror.json",
                                        detail::encode_mirror_marker(kMirrorFormatOldest));
        !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return open(root);
}

Result<fs::path> Store::object_path(std::string_view sha256) const {
  if (!detail::is_sha256_hex(sha256)) {
    return fail(ErrorCode::invalid_input,
                "'" + std::string(sha256) + "' is not a SHA-256 digest (64 lowercase hex digits)");
  }
  return root_ / "objects" / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

Result<void> Store::store_object(const fs::path& source, std::string_view sha256) const {
  auto destination = object_path(sha256);
  if (!destination) return tl::unexpected(destination.error());
  std::error_code error;
  if (fs::is_regular_file(*destination, error)) return {};
  if (auto ok = make_directories(destination->parent_path()); !ok) return ok;
  auto output = AtomicFile::create(*destination, AtomicFileOptions{0644});
  if (!output) return tl::unexpected(output.error());
  Sha256 hasher;
  auto copied = detail::for_each_chunk(source, [&](std::string_view chunk) -> Result<void> {
    hasher.update(chunk);
    return output->write(chunk);
  });
  if (!copied) return copied;
  auto digest = hasher.finish_hex();
  if (!digest) return tl::unexpected(digest.error());
  if (*digest != sha256) {
    return fail(ErrorCode::integrity,
                "the file changed while it was being added (its SHA-256 is no longer the one "
                "computed a moment ago); add the build again once nothing writes to it",
                source.string());
  }
  return output->commit();
}

Result<fs::path> Store::repo_dir(std::string_view repo_id) const {
  if (auto ok = detail::check_repo_id(repo_id); !ok) return tl::unexpected(ok.error());
  const auto slash = repo_id.find('/');
  return root_ / "repos" / std::string(repo_id.substr(0, slash)) /
         std::string(repo_id.substr(slash + 1));
}

Result<std::optional<RepoSettings>> Store::read_repo(std::string_view repo_id) const {
  auto directory = repo_dir(repo_id);
  if (!directory) return tl::unexpected(directory.error());
  return read_json_file<RepoSettings>(*directory / "repo.json", kMaxSmallJsonBytes,
                                      detail::decode_repo);
}

Result<void> Store::write_repo(std::string_view repo_id, const RepoSettings& settings) const {
  auto directory = repo_dir(repo_id);
  if (!directory) return tl::unexpected(directory.error());
  return write_json_file(*directory / "repo.json", detail::encode_repo(settings));
}

Result<MirrorRefs> Store::read_refs(std::string_view repo_id) const {
  auto directory = repo_dir(repo_id);
  if (!directory) return tl::unexpected(directory.error());
  auto refs = read_json_file<MirrorRefs>(*directory / "refs.json", kMaxCommitJsonBytes,
                                         detail::decode_refs);
  if (!refs) return tl::unexpected(refs.error());
  return refs->value_or(MirrorRefs{});
}

Result<void> Store::write_refs(std::string_view repo_id, const MirrorRefs& refs) const {
  auto directory = repo_dir(repo_id);
  if (!directory) return tl::unexpected(directory.error());
  return write_json_file(*directory / "refs.json", detail::encode_refs(refs));
}

Result<bool> Store::has_commit(std::string_view repo_id, std::string_view commit) const {
  auto directory = repo_dir(repo_id);
  if (!directory) return tl::unexpected(directory.error());
  if (!detail::is_commit_id(commit)) return false;
  std::error_code error;
  return fs::is_regular_file(*directory / "commits" / (std::string(commit) + ".json"), error);
}

Result<MirrorCommit> Store::read_commit(std::string_view repo_id, std::string_view commit) const {
  auto directory = repo_dir(repo_id);
  if (!directory) return tl::unexpected(directory.error());
  if (!detail::is_commit_id(commit)) {
    return fail(ErrorCode::invalid_input, "'" + std::string(commit) + "' is not a commit id");
  }
  const fs::path path = *directory / "commits" / (std::string(commit) + ".json");
  auto loaded = read_json_file<MirrorCommit>(path, kMaxCommitJsonBytes, detail::decode_commit);
  if (!loaded) return tl::unexpected(loaded.error());
  if (!*loaded) {
    return fail(ErrorCode::not_found, "commit " + std::string(commit) + " is not in the mirror",
                path.string());
  }
  MirrorCommit result = std::move(**loaded);
  auto id = commit_id(result);
  if (!id) return located(id.error(), path);
  if (*id != commit) {
    return fail(ErrorCode::integrity,
                result.upstream
                    ? "the pulled commit file names upstream commit " + *id +
                          ", not its own name: it was edited or corrupted"
                    : "the commit file does not match its name (its content hashes to " + *id +
                          "): it was edited or corrupted",
                path.string());
  }
  result.id = std::move(*id);
  return result;
}

Result<std::string> Store::write_commit(std::string_view repo_id, MirrorCommit commit) const {
  auto directory = repo_dir(repo_id);
  if (!directory) return tl::unexpected(directory.error());
  std::sort(commit.files.begin(), commit.files.end(),
            [](const MirrorFile& a, const MirrorFile& b) { return a.path < b.path; });
  auto id = commit_id(commit);
  if (!id) return tl::unexpected(id.error());
  const fs::path path = *directory / "commits" / (*id + ".json");
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    // Before the commit, so that no build that reads only format 1 meets a pulled commit.
    if (commit.upstream) {
      if (auto ok = raise_format(kMirrorFormatFirstUpstream); !ok)
        return tl::unexpected(ok.error());
    }
    if (auto ok = write_json_file(path, detail::encode_commit(commit)); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return *id;
}

Result<std::optional<OrgSettings>> Store::read_org(std::string_view org) const {
  if (auto ok = validate_org_name(org); !ok) return tl::unexpected(ok.error());
  return read_json_file<OrgSettings>(root_ / "orgs" / (std::string(org) + ".json"),
                                     kMaxSmallJsonBytes, detail::decode_org);
}

Result<void> Store::write_org(std::string_view org, const OrgSettings& settings) const {
  if (auto ok = validate_org_name(org); !ok) return ok;
  return write_json_file(root_ / "orgs" / (std::string(org) + ".json"),
                         detail::encode_org(settings));
}

Result<std::vector<std::string>> Store::list_repos(std::string_view org) const {
  if (auto ok = validate_org_name(org); !ok) return tl::unexpected(ok.error());
  std::vector<std::string> repos;
  const fs::path directory = root_ / "repos" / std::string(org);
  std::error_code error;
  if (!fs::is_directory(directory, error)) return repos;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string repo_id = std::string(org) + "/" + entry.path().filename().string();
    if (!detail::check_repo_id(repo_id)) continue;  // not a repo folder: ignore it
    if (fs::is_regular_file(entry.path() / "repo.json", error)) repos.push_back(repo_id);
  }
  if (error) {
    return fail(ErrorCode::io, "cannot list the folder: " + error.message(), directory.string());
  }
  std::sort(repos.begin(), repos.end());
  return repos;
}

Result<std::optional<std::string>> resolve_revision(const Store& store, std::string_view repo_id,
                                                    const MirrorRefs& refs,
                                                    std::string_view revision) {
  using Found = std::optional<std::string>;
  if (detail::is_commit_id(revision)) {
    auto exists = store.has_commit(repo_id, revision);
    if (!exists) return tl::unexpected(exists.error());
    if (*exists) return Found{std::string(revision)};
  }
  const auto lookup = [](const std::map<std::string, std::string>& map, std::string_view name) {
    const auto found = map.find(std::string(name));
    return found == map.end() ? Found{} : Found{found->second};
  };
  constexpr std::string_view kHeads = "refs/heads/";
  constexpr std::string_view kTags = "refs/tags/";
  if (revision.starts_with(kHeads)) return lookup(refs.branches, revision.substr(kHeads.size()));
  if (revision.starts_with(kTags)) return lookup(refs.tags, revision.substr(kTags.size()));
  // git's order for a short name: a tag before a branch of the same name.
  if (auto tag = lookup(refs.tags, revision)) return tag;
  return lookup(refs.branches, revision);
}

}  // namespace kernels::mirror
