#include "mirror/store_json.hpp"

#include <cstdint>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "kernels/model/repo_path.hpp"
#include "kernels/util/encoding.hpp"

namespace kernels::mirror::detail {
namespace {

using nlohmann::json;

tl::unexpected<Error> malformed(std::string_view what, std::string_view why) {
  return fail(ErrorCode::invalid_input, std::string(what) + " is malformed: " + std::string(why));
}

Result<json> parse_object(std::string_view text, std::string_view what) {
  json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return malformed(what, "it is not valid JSON");
  if (!document.is_object()) return malformed(what, "expected a JSON object");
  return document;
}

// An optional boolean member: absent means false.
Result<bool> optional_bool(const json& object, const char* key, std::string_view what) {
  const auto found = object.find(key);
  if (found == object.end()) return false;
  if (!found->is_boolean())
    return malformed(what, std::string("\"") + key + "\" must be true or false");
  return found->get<bool>();
}

Result<std::string> required_string(const json& object, const char* key, std::string_view what) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) {
    return malformed(what, std::string("\"") + key + "\" must be a string");
  }
  return found->get<std::string>();
}

bool is_digit_at(std::string_view text, std::size_t index) {
  return text[index] >= '0' && text[index] <= '9';
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ", the one date form the mirror writes and the Hub's clients parse.
bool is_hub_date(std::string_view text) {
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kPattern.size()) return false;
  for (std::size_t i = 0; i < kPattern.size(); ++i) {
    if (kPattern[i] == 'd' ? !is_digit_at(text, i) : text[i] != kPattern[i]) return false;
  }
  return true;
}

Result<std::map<std::string, std::string>> decode_ref_map(const json& document, const char* key) {
  std::map<std::string, std::string> refs;
  const auto found = document.find(key);
  if (found == document.end()) return refs;
  if (!found->is_object())
    return malformed("refs.json", std::string("\"") + key + "\" must be an object");
  for (const auto& [name, target] : found->items()) {
    if (auto ok = validate_ref_name(name); !ok) return malformed("refs.json", ok.error().message);
    if (!target.is_string() || !is_commit_id(target.get<std::string>())) {
      return malformed("refs.json", "ref '" + name + "' must point to a 40-hex commit id");
    }
    refs.emplace(name, target.get<std::string>());
  }
  return refs;
}

json file_to_json(const MirrorFile& file) {
  return json{{"path", file.path},
              {"size", file.size},
              {"oid", file.oid},
              {"sha256", file.sha256},
              {"lfs", file.lfs}};
}

json commit_to_json(const MirrorCommit& commit) {
  json files = json::array();
  for (const MirrorFile& file : commit.files)
    files.push_back(file_to_json(file));
  json document{{"parents", commit.parents},
                {"created", commit.created},
                {"message", commit.message},
                {"files", std::move(files)}};
  // Only pulled commits have the member, so that the JSON (and the id) of every other commit is
  // what format 1 wrote.
  if (commit.upstream) {
    document["upstream"] = {{"commit", commit.upstream->commit},
                            {"endpoint", commit.upstream->endpoint}};
  }
  return document;
}

Result<std::optional<CommitUpstream>> decode_upstream(const json& document) {
  constexpr std::string_view kWhat = "the commit file's \"upstream\"";
  const auto found = document.find("upstream");
  if (found == document.end()) return std::optional<CommitUpstream>{};
  if (!found->is_object()) return malformed(kWhat, "expected an object");
  auto commit = required_string(*found, "commit", kWhat);
  if (!commit) return tl::unexpected(commit.error());
  auto endpoint = required_string(*found, "endpoint", kWhat);
  if (!endpoint) return tl::unexpected(endpoint.error());
  return std::optional<CommitUpstream>{CommitUpstream{std::move(*commit), std::move(*endpoint)}};
}

Result<MirrorFile> decode_file(const json& entry) {
  constexpr std::string_view kWhat = "a commit's file entry";
  if (!entry.is_object()) return malformed(kWhat, "expected an object");
  MirrorFile file;
  auto path = required_string(entry, "path", kWhat);
  if (!path) return tl::unexpected(path.error());
  file.path = std::move(*path);
  const auto size = entry.find("size");
  if (size == entry.end() || !size->is_number_unsigned()) {
    return malformed(kWhat, "\"size\" must be a non-negative integer");
  }
  file.size = size->get<std::uint64_t>();
  auto oid = required_string(entry, "oid", kWhat);
  if (!oid) return tl::unexpected(oid.error());
  file.oid = std::move(*oid);
  auto sha256 = required_string(entry, "sha256", kWhat);
  if (!sha256) return tl::unexpected(sha256.error());
  file.sha256 = std::move(*sha256);
  auto lfs = optional_bool(entry, "lfs", kWhat);
  if (!lfs) return tl::unexpected(lfs.error());
  file.lfs = *lfs;
  return file;
}

}  // namespace

bool is_commit_id(std::string_view text) {
  return text.size() == 40 && is_lowercase_hex(text);
}

bool is_sha256_hex(std::string_view text) {
  return text.size() == 64 && is_lowercase_hex(text);
}

std::string encode_mirror_marker(int format) {
  return json{{"format", format}}.dump(2) + "\n";
}

Result<int> check_mirror_marker(std::string_view text) {
  auto document = parse_object(text, "mirror.json");
  if (!document) return tl::unexpected(document.error());
  const auto format = document->find("format");
  if (format == document->end() || !format->is_number_integer()) {
    return malformed("mirror.json", "\"format\" must be an integer");
  }
  const auto value = format->get<std::int64_t>();
  if (value < kMirrorFormatOldest || value > kMirrorFormat) {
    return fail(ErrorCode::invalid_input,
                "mirror.json says format " + format->dump() + ", this build reads formats " +
                    std::to_string(kMirrorFormatOldest) + " to " + std::to_string(kMirrorFormat) +
                    "; use a matching `kernels` version");
  }
  return static_cast<int>(value);
}

std::string encode_repo(const RepoSettings& settings) {
  json document{{"type", std::string(to_string(settings.type))},
                {"private", settings.is_private},
                {"gated", settings.gated},
                {"disabled", settings.disabled}};
  if (!settings.created_at.empty()) document["createdAt"] = settings.created_at;
  return document.dump(2) + "\n";
}

Result<RepoSettings> decode_repo(std::string_view text) {
  constexpr std::string_view kWhat = "repo.json";
  auto document = parse_object(text, kWhat);
  if (!document) return tl::unexpected(document.error());
  RepoSettings settings;
  auto type_name = required_string(*document, "type", kWhat);
  if (!type_name) return tl::unexpected(type_name.error());
  auto type = parse_repo_type(*type_name);
  if (!type) return malformed(kWhat, type.error().message);
  settings.type = *type;
  for (auto [key, flag] :
       {std::pair{"private", &settings.is_private}, std::pair{"gated", &settings.gated},
        std::pair{"disabled", &settings.disabled}}) {
    auto value = optional_bool(*document, key, kWhat);
    if (!value) return tl::unexpected(value.error());
    *flag = *value;
  }
  if (const auto created = document->find("createdAt"); created != document->end()) {
    if (!created->is_string() || !is_hub_date(created->get<std::string>())) {
      return malformed(kWhat, "\"createdAt\" must be a date like 2026-01-01T00:00:00.000Z");
    }
    settings.created_at = created->get<std::string>();
  }
  return settings;
}

std::string encode_org(const OrgSettings& settings) {
  return json{{"trustedKernelPublisher", settings.trusted_kernel_publisher}}.dump(2) + "\n";
}

Result<OrgSettings> decode_org(std::string_view text) {
  auto document = parse_object(text, "the organization file");
  if (!document) return tl::unexpected(document.error());
  auto trusted = optional_bool(*document, "trustedKernelPublisher", "the organization file");
  if (!trusted) return tl::unexpected(trusted.error());
  return OrgSettings{*trusted};
}

std::string encode_refs(const MirrorRefs& refs) {
  return json{{"branches", refs.branches}, {"tags", refs.tags}}.dump(2) + "\n";
}

Result<MirrorRefs> decode_refs(std::string_view text) {
  auto document = parse_object(text, "refs.json");
  if (!document) return tl::unexpected(document.error());
  MirrorRefs refs;
  auto branches = decode_ref_map(*document, "branches");
  if (!branches) return tl::unexpected(branches.error());
  auto tags = decode_ref_map(*document, "tags");
  if (!tags) return tl::unexpected(tags.error());
  refs.branches = std::move(*branches);
  refs.tags = std::move(*tags);
  return refs;
}

Result<void> validate_commit(const MirrorCommit& commit) {
  constexpr std::string_view kWhat = "the commit";
  if (commit.parents.size() > 16) return malformed(kWhat, "it has more than 16 parents");
  for (const std::string& parent : commit.parents) {
    if (!is_commit_id(parent))
      return malformed(kWhat, "parent '" + parent + "' is not a commit id");
  }
  if (!is_hub_date(commit.created)) {
    return malformed(kWhat, "\"created\" must be a date like 2026-01-01T00:00:00.000Z");
  }
  if (!is_valid_utf8(commit.message)) return malformed(kWhat, "the message is not valid UTF-8");
  if (commit.upstream) {
    if (!is_commit_id(commit.upstream->commit)) {
      return malformed(kWhat, "the upstream commit '" + commit.upstream->commit +
                                  "' is not a commit id (40 lowercase hex digits)");
    }
    if (!is_valid_utf8(commit.upstream->endpoint)) {
      return malformed(kWhat, "the upstream endpoint is not valid UTF-8");
    }
  }
  std::set<std::string_view> paths;
  const std::string* previous = nullptr;
  for (const MirrorFile& file : commit.files) {
    if (auto ok = validate_repo_path(file.path); !ok) return malformed(kWhat, ok.error().message);
    if (previous != nullptr && !(*previous < file.path)) {
      return malformed(kWhat,
                       "files are not sorted by path, or '" + file.path + "' is listed twice");
    }
    if (!is_commit_id(file.oid)) return malformed(kWhat, "'" + file.path + "' has no 40-hex oid");
    if (!is_sha256_hex(file.sha256)) {
      return malformed(kWhat, "'" + file.path + "' has no 64-hex sha256");
    }
    paths.insert(file.path);
    previous = &file.path;
  }
  for (const MirrorFile& file : commit.files) {
    for (auto slash = file.path.find('/'); slash != std::string::npos;
         slash = file.path.find('/', slash + 1)) {
      if (paths.contains(std::string_view(file.path).substr(0, slash))) {
        return malformed(kWhat, "'" + file.path.substr(0, slash) + "' is both a file and a folder");
      }
    }
  }
  return {};
}

std::string canonical_commit_json(const MirrorCommit& commit) {
  return commit_to_json(commit).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_commit(const MirrorCommit& commit) {
  return commit_to_json(commit).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<MirrorCommit> decode_commit(std::string_view text) {
  constexpr std::string_view kWhat = "the commit file";
  auto document = parse_object(text, kWhat);
  if (!document) return tl::unexpected(document.error());
  MirrorCommit commit;
  const auto parents = document->find("parents");
  if (parents == document->end() || !parents->is_array()) {
    return malformed(kWhat, "\"parents\" must be an array");
  }
  for (const json& parent : *parents) {
    if (!parent.is_string()) return malformed(kWhat, "a parent must be a string");
    commit.parents.push_back(parent.get<std::string>());
  }
  auto created = required_string(*document, "created", kWhat);
  if (!created) return tl::unexpected(created.error());
  commit.created = std::move(*created);
  auto message = required_string(*document, "message", kWhat);
  if (!message) return tl::unexpected(message.error());
  commit.message = std::move(*message);
  const auto files = document->find("files");
  if (files == document->end() || !files->is_array()) {
    return malformed(kWhat, "\"files\" must be an array");
  }
  commit.files.reserve(files->size());
  for (const json& entry : *files) {
    auto file = decode_file(entry);
    if (!file) return tl::unexpected(file.error());
    commit.files.push_back(std::move(*file));
  }
  auto upstream = decode_upstream(*document);
  if (!upstream) return tl::unexpected(upstream.error());
  commit.upstream = std::move(*upstream);
  if (auto ok = validate_commit(commit); !ok) return tl::unexpected(ok.error());
  return commit;
}

}  // namespace kernels::mirror::detail
