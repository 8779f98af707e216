// kernels.lock from JSON text: syntax (nlohmann, order-preserving), then shape and types here,
// then the value checks of validate_lockfile.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/model/lockfile.hpp"
#include "kernels/util/text_file.hpp"

#include "json_text.hpp"
#include "util/ascii.hpp"
#include "util/json_nesting.hpp"
#include "util/json_type_name.hpp"

namespace kernels {
namespace {

using Json = nlohmann::ordered_json;

// A lockfile is four levels deep; anything much deeper is not one, and is refused before the
// parser builds (and the watch below tracks) millions of nested containers.
constexpr int kMaxDepth = 16;

// "line:column" (1-based) of the byte at `offset`.
std::string line_and_column(std::string_view text, std::size_t offset) {
  const std::string_view before = text.substr(0, offset);
  const auto line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const auto line_start = before.rfind('\n');
  const std::size_t column =
      line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return std::to_string(line) + ":" + std::to_string(column);
}

// Watches the parser's events to catch what nlohmann accepts silently: a key given twice in one
// object (the later value would win and could hide a hash). It keeps, per open container, where
// its next child goes (key or index), so that the error can name the duplicate's JSON path; the
// path itself is only spelled out then (the loader parses the lockfile on its cold path).
class ParseWatch {
 public:
  bool on_event(Json::parse_event_t event, const Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        frames_.push_back(Frame{event == Json::parse_event_t::object_start, 0, {}, {}});
        break;
      case Json::parse_event_t::key:
        on_key(parsed);
        break;
      case Json::parse_event_t::value:
        value_done();
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        value_done();
        break;
    }
    return true;
  }

  [[nodiscard]] const std::optional<std::pair<std::string, std::string>>& problem() const {
    return problem_;
  }

 private:
  struct Frame {
    bool is_object = false;
    std::size_t next_index = 0;
    std::string key;
    std::set<std::string, std::less<>> keys;
  };

  // The JSON path of the open container at `depth` (0: the root).
  [[nodiscard]] std::string path_of(std::size_t depth) const {
    std::string path = "$";
    for (std::size_t i = 0; i < depth; ++i) {
      const Frame& parent = frames_[i];
      path = parent.is_object ? detail::json_path_member(path, parent.key)
                              : detail::json_path_element(path, parent.next_index);
    }
    return path;
  }

  void on_key(const Json& parsed) {
    if (frames_.empty() || !parsed.is_string()) return;
    Frame& object = frames_.back();
    object.key = parsed.get_ref<const std::string&>();
    if (!object.keys.insert(object.key).second) {
      note("the key " + detail::shown_value(object.key) +
               " appears twice in this object; each key may appear once",
           frames_.size() - 1);
    }
  }

  void value_done() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().next_index;
  }

  void note(std::string message, std::size_t depth) {
    if (!problem_) problem_.emplace(path_of(depth), std::move(message));
  }

  std::vector<Frame> frames_;
  std::optional<std::pair<std::string, std::string>> problem_;  // (path, message), first only
};

// Reads the decimal number at the front of `text` and drops it from there; nullopt if none.
std::optional<std::size_t> take_number(std::string_view& text) {
  std::size_t value = 0;
  std::size_t digits = 0;
  while (digits < text.size() && digits < 9 && text[digits] >= '0' && text[digits] <= '9') {
    value = value * 10 + static_cast<std::size_t>(text[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  text.remove_prefix(digits);
  return value;
}

// nlohmann's message reads "[json.exception.parse_error.101] parse error at line 3, column 9:
// syntax error while parsing value - invalid literal; last read: ..."; keep the line and column
// for the location and the explanation for the message. (Parsed by hand: the "last read" excerpt
// can be megabytes long.)
Error syntax_error(const Json::parse_error& error, std::string_view file_name) {
  const std::string_view what = error.what();
  std::string position = "byte " + std::to_string(error.byte);
  std::string_view explanation = what;
  if (const auto at = what.find("at line "); at != std::string_view::npos) {
    std::string_view rest = what.substr(at + std::string_view("at line ").size());
    const auto line = take_number(rest);
    if (line && rest.starts_with(", column ")) {
      rest.remove_prefix(std::string_view(", column ").size());
      const auto column = take_number(rest);
      if (column && rest.starts_with(": ")) {
        position = std::to_string(*line) + ":" + std::to_string(*column);
        explanation = rest.substr(2);
      }
    }
  }
  // The "last read" excerpt is the file's own bytes: keep the message short and printable.
  constexpr std::size_t kMaxExplanation = 200;
  std::string shown(explanation.substr(0, kMaxExplanation));
  if (explanation.size() > kMaxExplanation) shown += "...";
  for (char& c : shown) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) c = '?';
  }
  std::string location = file_name.empty() ? position : std::string(file_name) + ":" + position;
  return Error{ErrorCode::invalid_input,
               "the lockfile is not valid JSON (" + shown +
                   "); fix it by hand or run `kernels lock` to write it again",
               std::move(location)};
}

// Turns the parsed JSON into a Lockfile, checking shape and types; values are checked later.
class LockfileReader {
 public:
  explicit LockfileReader(std::string_view file_name) : file_name_(file_name) {}

  Result<Lockfile> read(const Json& root) {
    if (!root.is_array()) {
      return error(
          "$", "expected a JSON array of locked kernels, found " + detail::json_type_name(root));
    }
    Lockfile lockfile;
    // kernels >= 0.17 writes {"dependency", "lock"} entries; older ones {"repo_id", "sha", ...}.
    const bool dependency_format =
        !root.empty() && root[0].is_object() && root[0].contains("dependency");
    lockfile.format =
        dependency_format ? LockFormat::dependency_commits : LockFormat::variant_hashes;
    lockfile.kernels.reserve(root.size());
    for (std::size_t i = 0; i < root.size(); ++i) {
      const std::string path = detail::json_path_element("$", i);
      auto kernel =
          dependency_format ? read_dependency_entry(root[i], path) : read_kernel(root[i], path);
      if (!kernel) return tl::unexpected(std::move(kernel.error()));
      lockfile.kernels.push_back(std::move(*kernel));
    }
    return lockfile;
  }

 private:
  tl::unexpected<Error> error(std::string_view path, std::string message) const {
    return fail(ErrorCode::invalid_input, std::move(message),
                detail::json_location(file_name_, path));
  }

  // The member `key` of `object`, required to be of `type` (described as `expected`).
  Result<const Json*> member(const Json& object, const std::string& path, const char* key,
                             Json::value_t type, std::string_view expected) const {
    const auto it = object.find(key);
    if (it == object.end()) {
      return error(
          path, "missing the field \"" + std::string(key) + "\" (" + std::string(expected) + ")");
    }
    const bool type_ok = it->type() == type;
    if (!type_ok) {
      return error(detail::json_path_member(path, key),
                   "expected " + std::string(expected) + ", found " + detail::json_type_name(*it));
    }
    return &*it;
  }

  Result<LockedKernel> read_kernel(const Json& entry, const std::string& path) const {
    if (!entry.is_object()) {
      return error(path, "expected an object with \"repo_id\", \"sha\" and \"variants\", found " +
                             detail::json_type_name(entry));
    }
    LockedKernel kernel;
    auto repo_id = member(entry, path, "repo_id", Json::value_t::string, "a repo id string");
    if (!repo_id) return tl::unexpected(std::move(repo_id.error()));
    kernel.repo_id = (*repo_id)->get<std::string>();
    auto sha = member(entry, path, "sha", Json::value_t::string, "a commit sha string");
    if (!sha) return tl::unexpected(std::move(sha.error()));
    kernel.sha = (*sha)->get<std::string>();
    auto variants = member(entry, path, "variants", Json::value_t::object,
                           "an object mapping variant names to hashes");
    if (!variants) return tl::unexpected(std::move(variants.error()));
    const std::string variants_path = detail::json_path_member(path, "variants");
    for (const auto& [name, value] : (*variants)->items()) {
      auto lock = read_variant(value, detail::json_path_member(variants_path, name));
      if (!lock) return tl::unexpected(std::move(lock.error()));
      kernel.variants.push_back(LockedVariant{name, std::move(*lock)});
    }
    // Other keys of a kernel entry are dropped: the reference ignores them too.
    return kernel;
  }

  // Every key of `object` must be one of `allowed` (kernels-data rejects unknown fields).
  Result<void> only_keys(const Json& object, const std::string& path,
                         std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, ignored] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string names;
        for (const std::string_view name : allowed)
          names += (names.empty() ? "\"" : ", \"") + std::string(name) + "\"";
        return error(detail::json_path_member(path, key),
                     "unknown field " + detail::shown_value(key) + "; expected " + names);
      }
    }
    return {};
  }

  // {"dependency": {"repo-id": ..., "version": N | "revision": "..."}, "lock": {"commit": ...}}
  Result<LockedKernel> read_dependency_entry(const Json& entry, const std::string& path) const {
    if (!entry.is_object()) {
      return error(path, "expected an object with \"dependency\" and \"lock\", found " +
                             detail::json_type_name(entry));
    }
    if (auto ok = only_keys(entry, path, {"dependency", "lock"}); !ok)
      return tl::unexpected(ok.error());
    auto dependency = member(entry, path, "dependency", Json::value_t::object,
                             "an object with \"repo-id\" and \"version\" or \"revision\"");
    if (!dependency) return tl::unexpected(std::move(dependency.error()));
    const std::string dependency_path = detail::json_path_member(path, "dependency");
    if (auto ok = only_keys(**dependency, dependency_path, {"repo-id", "version", "revision"});
        !ok) {
      return tl::unexpected(ok.error());
    }
    LockedKernel kernel;
    auto repo_id =
        member(**dependency, dependency_path, "repo-id", Json::value_t::string, "a repo id string");
    if (!repo_id) return tl::unexpected(std::move(repo_id.error()));
    kernel.repo_id = (*repo_id)->get<std::string>();
    const bool has_version = (*dependency)->contains("version");
    const bool has_revision = (*dependency)->contains("revision");
    if (has_version == has_revision) {
      return error(dependency_path, has_version
                                        ? "`version` and `revision` are mutually exclusive"
                                        : "either `version` or `revision` must be specified");
    }
    if (has_version) {
      const Json& version = (**dependency)["version"];
      const std::string version_path = detail::json_path_member(dependency_path, "version");
      if (!version.is_number_unsigned() ||
          version.get<std::uint64_t>() > static_cast<std::uint64_t>(INT32_MAX)) {
        return error(version_path, "expected a non-negative integer version (branch v<N>), found " +
                                       detail::json_type_name(version));
      }
      kernel.requirement = MajorVersion{static_cast<int>(version.get<std::uint64_t>())};
    } else {
      auto revision = member(**dependency, dependency_path, "revision", Json::value_t::string,
                             "a revision string");
      if (!revision) return tl::unexpected(std::move(revision.error()));
      kernel.requirement = Revision{(*revision)->get<std::string>()};
    }
    auto lock = member(entry, path, "lock", Json::value_t::object, "an object with \"commit\"");
    if (!lock) return tl::unexpected(std::move(lock.error()));
    const std::string lock_path = detail::json_path_member(path, "lock");
    if (auto ok = only_keys(**lock, lock_path, {"commit"}); !ok) return tl::unexpected(ok.error());
    auto commit = member(**lock, lock_path, "commit", Json::value_t::string, "a commit id string");
    if (!commit) return tl::unexpected(std::move(commit.error()));
    // kernels-data accepts upper-case object ids and stores them lowercased.
    kernel.sha = ascii::to_lower((*commit)->get<std::string>());
    return kernel;
  }

  Result<VariantLock> read_variant(const Json& value, const std::string& path) const {
    if (!value.is_object()) {
      return error(path, "expected an object with \"hash\" and \"hash_type\", found " +
                             detail::json_type_name(value));
    }
    for (const auto& [key, ignored] : value.items()) {
      if (key != "hash" && key != "hash_type") {
        return error(detail::json_path_member(path, key),
                     "unknown field " + detail::shown_value(key) +
                         " in a variant entry; only \"hash\" and \"hash_type\" are allowed");
      }
    }
    VariantLock lock;
    auto hash = member(value, path, "hash", Json::value_t::string, "a \"sha256-<hex>\" string");
    if (!hash) return tl::unexpected(std::move(hash.error()));
    lock.hash = (*hash)->get<std::string>();
    if (value.contains("hash_type")) {
      auto hash_type =
          member(value, path, "hash_type", Json::value_t::string, "the string \"git_lfs_concat\"");
      if (!hash_type) return tl::unexpected(std::move(hash_type.error()));
      lock.hash_type = (*hash_type)->get<std::string>();
    }
    return lock;
  }

  std::string_view file_name_;
};

}  // namespace

Result<Lockfile> parse_lockfile(std::string_view text, std::string_view file_name) {
  if (text.size() > kMaxLockfileBytes) {
    return fail(ErrorCode::invalid_input,
                "the lockfile is " + std::to_string(text.size()) + " bytes, more than the " +
                    describe_size(kMaxLockfileBytes) + " a lockfile may have",
                std::string(file_name));
  }
  if (const auto deep = detail::find_excess_json_nesting(text, kMaxDepth)) {
    const std::string position = line_and_column(text, *deep);
    return fail(ErrorCode::invalid_input,
                "the JSON is nested more than " + std::to_string(kMaxDepth) +
                    " levels deep; a lockfile has four levels",
                file_name.empty() ? position : std::string(file_name) + ":" + position);
  }
  ParseWatch watch;
  Json root;
  try {
    root = Json::parse(
        text.begin(), text.end(),
        [&watch](int /*depth*/, Json::parse_event_t event, Json& parsed) {
          return watch.on_event(event, parsed);
        },
        /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Json::parse_error& error) {
    return tl::unexpected(syntax_error(error, file_name));
  } catch (const std::exception& error) {
    return fail(ErrorCode::invalid_input,
                std::string("the lockfile could not be read as JSON: ") + error.what(),
                std::string(file_name));
  }
  if (const auto& problem = watch.problem()) {
    return fail(ErrorCode::invalid_input, problem->second,
                detail::json_location(file_name, problem->first));
  }
  auto lockfile = LockfileReader(file_name).read(root);
  if (!lockfile) return lockfile;
  if (auto ok = validate_lockfile(*lockfile, file_name); !ok) {
    return tl::unexpected(std::move(ok.error()));
  }
  return lockfile;
}

}  // namespace kernels
