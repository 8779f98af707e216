// The file routes of HubApi: tree listings (with pagination and expand), resolve (regular files
// directly, LFS files by redirect to the CDN listener), and object downloads with Range.
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <system_error>

#include "kernels/model/repo_path.hpp"
#include "kernels/util/encoding.hpp"

#include "mirror/hub_api_state.hpp"

namespace kernels::mirror::detail {
namespace {

// The host name of the CDN listener as clients should see it: a name other than the one the API
// was reached by, so that clients treat it as a foreign host (no token, no HEAD redirect follow).
std::string cdn_host_name(const std::string& api_host) {
  if (api_host == "127.0.0.1") return "localhost";
  if (api_host == "localhost") return "127.0.0.1";
  return api_host;
}

using nlohmann::ordered_json;

// The Hub pages expanded listings by 50 entries at most.
constexpr std::size_t kExpandedPageLimit = 50;
// How far back lastCommit looks for the commit that last changed an entry.
constexpr int kMaxHistoryWalk = 100;

struct LastCommit {
  std::string id;
  std::string title;
  std::string date;
};

LastCommit summary(const MirrorCommit& commit) {
  return LastCommit{commit.id, commit.message.substr(0, commit.message.find('\n')), commit.created};
}

// For each entry, the oldest commit of the first-parent chain from the head during which the
// entry kept its oid: the commit that last changed it.
std::vector<LastCommit> last_commits(const HubApiState& state, const RepoRequest& repo,
                                     const std::vector<TreeEntry>& entries) {
  std::vector<LastCommit> result(entries.size(), summary(repo.loaded->commit));
  std::vector<bool> settled(entries.size(), false);
  std::shared_ptr<const LoadedCommit> current = repo.loaded;
  for (int step = 0; step < kMaxHistoryWalk && !current->commit.parents.empty(); ++step) {
    auto parent = state.load_commit(repo.route.repo_id, current->commit.parents.front());
    if (!parent) break;
    bool any_open = false;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (settled[i]) continue;
      if ((*parent)->tree.oid(entries[i].path) == entries[i].oid) {
        result[i] = summary((*parent)->commit);
        any_open = true;
      } else {
        settled[i] = true;
      }
    }
    if (!any_open) break;
    current = std::move(*parent);
  }
  return result;
}

ordered_json entry_json(const TreeEntry& entry, const MirrorCommit& commit) {
  if (entry.directory) {
    return ordered_json{
        {"type", "directory"}, {"oid", entry.oid}, {"size", 0}, {"path", entry.path}};
  }
  const MirrorFile& file = commit.files[entry.file_index];
  ordered_json json{{"type", "file"}, {"oid", file.oid}, {"size", file.size}};
  if (file.lfs) {
    json["lfs"] = ordered_json{{"oid", file.sha256},
                               {"size", file.size},
                               {"pointerSize", lfs_pointer(file.sha256, file.size).size()}};
  }
  json["path"] = file.path;
  return json;
}

bool query_is_true(const RequestTarget& target, const char* key) {
  const auto found = target.query.find(key);
  return found != target.query.end() &&
         (found->second == "true" || found->second == "True" || found->second == "1");
}

// The cursor is base64 of the decimal offset of the page's first entry (the Hub's own form).
std::optional<std::size_t> decode_cursor(const std::string& cursor) {
  auto bytes = base64_decode(cursor);
  if (!bytes || bytes->empty()) return std::nullopt;
  const std::string text(bytes->begin(), bytes->end());
  std::size_t offset = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), offset);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return offset;
}

std::string content_type_for(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  const std::string_view extension = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (extension == "json") return "application/json; charset=utf-8";
  if (extension == "md" || extension == "txt" || extension == "py" || extension == "toml" ||
      extension == "cfg" || extension == "yaml" || extension == "yml") {
    return "text/plain; charset=utf-8";
  }
  return "application/octet-stream";
}

// `inline; filename*=UTF-8''<escaped>; filename="<ascii>";`, as the Hub sends it.
std::string content_disposition(std::string_view path) {
  const std::string name(
      path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1));
  std::string ascii;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    ascii += (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') ? '_' : c;
  }
  std::string escaped;
  constexpr std::string_view kHex = "0123456789ABCDEF";
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      escaped += c;
    } else {
      escaped += '%';
      escaped += kHex[byte >> 4];
      escaped += kHex[byte & 0x0F];
    }
  }
  return "inline; filename*=UTF-8''" + escaped + "; filename=\"" + ascii + "\";";
}

}  // namespace

HubReply tree_reply(const HubApiState& state, const RepoRequest& repo) {
  const std::string& folder = repo.route.path;
  const auto entry_not_found = [&repo] {
    HubReply reply = error_reply(404, "EntryNotFound", "Entry not found");
    reply.set_header("X-Repo-Commit", repo.loaded->commit.id);
    return reply;
  };
  if (!folder.empty() && !validate_repo_path(folder)) return error_reply(400, "", "Invalid path");
  if (!repo.loaded->tree.is_directory(folder)) return entry_not_found();

  const bool recursive = query_is_true(repo.target, "recursive");
  const bool expand = query_is_true(repo.target, "expand");
  const std::vector<TreeEntry> entries = repo.loaded->tree.list(folder, recursive);
  std::size_t page_size = std::max<std::size_t>(1, state.options.tree_page_size);
  if (expand) page_size = std::min(page_size, kExpandedPageLimit);
  std::size_t offset = 0;
  if (const auto cursor = repo.target.query.find("cursor"); cursor != repo.target.query.end()) {
    const auto decoded = decode_cursor(cursor->second);
    if (!decoded || *decoded > entries.size()) return error_reply(400, "", "Invalid cursor");
    offset = *decoded;
  }
  const std::size_t end = std::min(entries.size(), offset + page_size);
  const std::vector<TreeEntry> page(entries.begin() + static_cast<std::ptrdiff_t>(offset),
                                    entries.begin() + static_cast<std::ptrdiff_t>(end));
  const std::vector<LastCommit> last =
      expand ? last_commits(state, repo, page) : std::vector<LastCommit>{};

  ordered_json listing = ordered_json::array();
  for (std::size_t i = 0; i < page.size(); ++i) {
    ordered_json entry = entry_json(page[i], repo.loaded->commit);
    if (expand) {
      entry["lastCommit"] =
          ordered_json{{"id", last[i].id}, {"title", last[i].title}, {"date", last[i].date}};
      if (!page[i].directory) {
        entry["securityFileStatus"] = ordered_json{{"status", "safe"},
                                                   {"avScan", {{"status", "safe"}}},
                                                   {"pickleImportScan", {{"status", "unscanned"}}}};
      }
    }
    listing.push_back(std::move(entry));
  }
  HubReply reply = json_reply(listing);
  if (end < entries.size()) {
    const std::string cursor = base64_encode(std::to_string(end));
    const std::string next = request_base_url(repo.request, state.options) + repo.target.raw_path +
                             "?recursive=" + (recursive ? "true" : "false") +
                             "&expand=" + (expand ? "true" : "false") +
                             "&cursor=" + percent_encode(cursor);
    reply.set_header("Link", "<" + next + ">; rel=\"next\"");
  }
  return reply;
}

HubReply resolve_reply(const HubApiState& state, const RepoRequest& repo) {
  const MirrorCommit& commit = repo.loaded->commit;
  const auto index = validate_repo_path(repo.route.path)
                         ? repo.loaded->tree.file_index(repo.route.path)
                         : std::nullopt;
  if (!index) {
    HubReply reply = error_reply(404, "EntryNotFound", "Entry not found");
    reply.set_header("X-Repo-Commit", commit.id);
    return reply;
  }
  const MirrorFile& file = commit.files[*index];
  if (file.lfs) {
    // The Hub answers LFS files with a redirect to a presigned CDN URL on another host; the CDN
    // listener plays that part. Another port alone is not another host to every client
    // (huggingface_hub >= 1.2x follows a HEAD redirect to the same host name, and then misses
    // X-Repo-Commit), so the loopback address and `localhost` stand in for each other.
    HubReply reply;
    reply.status = 302;
    reply.set_header("Location", "http://" +
                                     cdn_host_name(request_host_name(repo.request, state.options)) +
                                     ":" + std::to_string(state.options.cdn_port) + "/lfs/" +
                                     file.sha256 + "?X-Amz-Expires=3600&X-Amz-SignedHeaders=host");
    reply.set_header("X-Repo-Commit", commit.id);
    reply.set_header("X-Linked-Etag", "\"" + file.sha256 + "\"");
    reply.set_header("X-Linked-Size", std::to_string(file.size));
    reply.set_header("ETag", "\"" + file.oid + "\"");
    reply.set_header("Accept-Ranges", "bytes");
    reply.set_header("Content-Type", "text/plain; charset=utf-8");
    return reply;
  }
  HubReply reply = object_reply(state, repo.request, file.sha256, file.size, "\"" + file.oid + "\"",
                                content_type_for(file.path));
  reply.set_header("X-Repo-Commit", commit.id);
  if (reply.status < 300) reply.set_header("Content-Disposition", content_disposition(file.path));
  return reply;
}

HubReply object_reply(const HubApiState& state, const HubRequest& request, std::string_view sha256,
                      std::uint64_t size, std::string etag, std::string content_type) {
  auto path = state.store.object_path(sha256);
  std::error_code error;
  if (!path || std::filesystem::file_size(*path, error) != size || error) {
    return error_reply(500, "",
                       "The mirror lacks the content of this file (object " + std::string(sha256) +
                           "); add the build again");
  }
  HubReply reply;
  reply.set_header("ETag", std::move(etag));
  reply.set_header("Accept-Ranges", "bytes");
  const ByteRange range = parse_byte_range(request.range, size);
  if (range.kind == ByteRange::Kind::unsatisfiable) {
    reply.status = 416;
    reply.set_header("Content-Range", "bytes */" + std::to_string(size));
    reply.set_header("Content-Type", "text/plain; charset=utf-8");
    return reply;
  }
  reply.set_header("Content-Type", std::move(content_type));
  if (range.kind == ByteRange::Kind::partial) {
    reply.status = 206;
    reply.set_header("Content-Range", "bytes " + std::to_string(range.offset) + "-" +
                                          std::to_string(range.offset + range.length - 1) + "/" +
                                          std::to_string(size));
  }
  reply.body = FileBody{*path, range.offset, range.length};
  return reply;
}

}  // namespace kernels::mirror::detail
