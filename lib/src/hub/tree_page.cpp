// Tree listings: the entries of one page, the paths in them, and the Link to the next page.

#include <optional>
#include <string>

#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_responses.hpp"
#include "kernels/hub/url.hpp"
#include "kernels/model/repo_path.hpp"

#include "hub/json_body.hpp"
#include "util/ascii.hpp"

namespace kernels {
namespace {

// Why validate_repo_path refuses `path`: its message without the "invalid repository path
// '...': " that precedes the reason (the reasons themselves never contain "': ").
std::optional<std::string> path_problem(std::string_view path) {
  auto valid = validate_repo_path(path);
  if (valid) return std::nullopt;
  const std::string& message = valid.error().message;
  const std::size_t end_of_path = message.rfind("': ");
  return end_of_path == std::string::npos ? message : message.substr(end_of_path + 3);
}

// Reads the RFC 8288 link-values of one Link field value and finds the first with a given rel.
class LinkParser {
 public:
  explicit LinkParser(std::string_view text) : text_(text) {}

  std::optional<std::string> find(std::string_view wanted_rel) {
    while (skip_separators()) {
      if (text_[pos_] != '<') {
        skip_to_next_value();
        continue;
      }
      const std::size_t close = text_.find('>', pos_);
      if (close == std::string_view::npos) return std::nullopt;
      const std::string_view target = text_.substr(pos_ + 1, close - pos_ - 1);
      pos_ = close + 1;
      if (parameters_have_rel(wanted_rel)) return std::string(ascii::trim(target));
    }
    return std::nullopt;
  }

 private:
  // Skips blanks and commas; false at the end.
  bool skip_separators() {
    while (pos_ < text_.size() && (ascii::is_space(text_[pos_]) || text_[pos_] == ','))
      ++pos_;
    return pos_ < text_.size();
  }

  void skip_blanks() {
    while (pos_ < text_.size() && ascii::is_space(text_[pos_]))
      ++pos_;
  }

  // Skips to the ',' that ends this link-value, stepping over quoted strings.
  void skip_to_next_value() {
    while (pos_ < text_.size() && text_[pos_] != ',') {
      if (text_[pos_] == '"') {
        (void)read_quoted();
      } else {
        ++pos_;
      }
    }
  }

  std::string read_quoted() {
    std::string value;
    ++pos_;  // the opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      value.push_back(text_[pos_++]);
    }
    if (pos_ < text_.size()) ++pos_;  // the closing quote
    return value;
  }

  std::string_view read_token() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ';' && text_[pos_] != ',' &&
           !ascii::is_space(text_[pos_])) {
      ++pos_;
    }
    return text_.substr(start, pos_ - start);
  }

  // Reads `; name=value` parameters up to the end of the link-value.
  bool parameters_have_rel(std::string_view wanted_rel) {
    bool found = false;
    while (true) {
      skip_blanks();
      if (pos_ >= text_.size() || text_[pos_] != ';') break;
      ++pos_;
      skip_blanks();
      const std::size_t name_start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '=' && text_[pos_] != ';' &&
             text_[pos_] != ',' && !ascii::is_space(text_[pos_])) {
        ++pos_;
      }
      const std::string name = ascii::to_lower(text_.substr(name_start, pos_ - name_start));
      skip_blanks();
      if (pos_ >= text_.size() || text_[pos_] != '=') continue;
      ++pos_;
      skip_blanks();
      const std::string value =
          pos_ < text_.size() && text_[pos_] == '"' ? read_quoted() : std::string(read_token());
      if (name == "rel" && rel_matches(value, wanted_rel)) found = true;
    }
    skip_to_next_value();
    return found;
  }

  static bool rel_matches(std::string_view values, std::string_view wanted) {
    const std::string lower_wanted = ascii::to_lower(wanted);
    std::size_t start = 0;
    while (start < values.size()) {
      while (start < values.size() && ascii::is_space(values[start]))
        ++start;
      std::size_t end = start;
      while (end < values.size() && !ascii::is_space(values[end]))
        ++end;
      if (end > start && ascii::to_lower(values.substr(start, end - start)) == lower_wanted) {
        return true;
      }
      start = end;
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

Error refused_entry(const HttpResponse& response, const RepoRef& repo, std::string_view path,
                    std::string_view why) {
  return detail::refused_value(response, "refusing tree entry '" + detail::shown_text(path) +
                                             "' from " + repo.repo_id + ": " + std::string(why));
}

Result<TreeEntry> read_entry(const HttpResponse& response, const RepoRef& repo,
                             const detail::Json& item, std::size_t index) {
  const std::string where = "$[" + std::to_string(index) + "]";
  if (!item.is_object()) {
    return tl::unexpected(detail::bad_answer(response, repo.repo_id, where + " must be an object"));
  }
  const detail::JsonObjectReader reader(response, repo.repo_id, item, where);
  auto path = reader.required_string("path");
  if (!path) return tl::unexpected(path.error());
  if (auto problem = path_problem(*path)) {
    return tl::unexpected(refused_entry(response, repo, *path, *problem));
  }
  auto type = reader.required_string("type");
  if (!type) return tl::unexpected(type.error());

  TreeEntry entry;
  entry.path = std::move(*path);
  if (*type != "file") {
    entry.type = TreeEntryType::directory;
    auto oid = reader.optional_string("oid");
    if (!oid) return tl::unexpected(oid.error());
    entry.oid = oid->value_or("");
    return entry;
  }
  entry.type = TreeEntryType::file;
  auto oid = reader.required_string("oid");
  if (!oid) return tl::unexpected(oid.error());
  auto blob_id = detail::normalized_hex(*oid, 40);
  if (!blob_id) {
    return tl::unexpected(
        refused_entry(response, repo, entry.path,
                      "its oid '" + detail::shown_text(*oid) + "' is not a 40-digit git blob id"));
  }
  entry.oid = std::move(*blob_id);
  auto size = reader.required_size("size");
  if (!size) return tl::unexpected(size.error());
  entry.size = *size;

  const detail::Json* lfs = reader.find("lfs");
  if (lfs == nullptr || lfs->is_null()) return entry;
  if (!lfs->is_object()) return tl::unexpected(reader.wrong("lfs", "an object"));
  const detail::JsonObjectReader lfs_reader(response, repo.repo_id, *lfs, where + ".lfs");
  auto lfs_oid = lfs_reader.required_string("oid");
  if (!lfs_oid) return tl::unexpected(lfs_oid.error());
  auto sha256 = detail::normalized_hex(*lfs_oid, 64);
  if (!sha256) {
    return tl::unexpected(refused_entry(
        response, repo, entry.path,
        "its lfs.oid '" + detail::shown_text(*lfs_oid) + "' is not a 64-digit SHA-256"));
  }
  auto lfs_size = lfs_reader.required_size("size");
  if (!lfs_size) return tl::unexpected(lfs_size.error());
  entry.lfs = LfsPointerInfo{std::move(*sha256), *lfs_size};
  return entry;
}

}  // namespace

std::optional<std::string> find_link(const HttpHeaders& headers, std::string_view rel) {
  for (const std::string_view value : headers.find_all("Link")) {
    if (auto target = LinkParser(value).find(rel)) return target;
  }
  return std::nullopt;
}

Result<TreePage> parse_tree_page(const HttpResponse& response, const RepoRef& repo) {
  if (!response.is_success())
    return tl::unexpected(hub_error(response, repo, {"file list", "", ""}));
  auto json = detail::parse_json_body(response, repo.repo_id);
  if (!json) return tl::unexpected(json.error());
  if (!json->is_array()) {
    return tl::unexpected(
        detail::bad_answer(response, repo.repo_id, "a tree listing must be a JSON array"));
  }
  TreePage page;
  page.entries.reserve(json->size());
  for (std::size_t i = 0; i < json->size(); ++i) {
    auto entry = read_entry(response, repo, (*json)[i], i);
    if (!entry) return tl::unexpected(entry.error());
    page.entries.push_back(std::move(*entry));
  }
  if (auto next = find_link(response.headers, "next")) {
    auto url = kernels::resolve_url(response.url, *next);
    if (!url) {
      return tl::unexpected(detail::bad_answer(
          response, repo.repo_id,
          "the Link header's next page '" + detail::shown_text(*next) + "' is not a usable URL"));
    }
    page.next_url = std::move(*url);
  }
  return page;
}

}  // namespace kernels
