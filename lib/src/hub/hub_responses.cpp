// The JSON answers about a whole repo: refs, repo info, and the organization overview.

#include "kernels/hub/hub_responses.hpp"

#include <string>
#include <vector>

#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/url.hpp"
#include "kernels/model/repo_id.hpp"

#include "hub/json_body.hpp"
#include "util/ascii.hpp"

namespace kernels {
namespace {

Result<GitRef> read_ref(const HttpResponse& response, const RepoRef& repo, const detail::Json& item,
                        const std::string& where) {
  if (!item.is_object()) {
    return tl::unexpected(detail::bad_answer(response, repo.repo_id, where + " must be an object"));
  }
  const detail::JsonObjectReader reader(response, repo.repo_id, item, where);
  auto name = reader.required_string("name");
  if (!name) return tl::unexpected(name.error());
  auto target = reader.required_string("targetCommit");
  if (!target) return tl::unexpected(target.error());
  if (auto valid = validate_revision(*name); !valid) {
    return tl::unexpected(detail::refused_value(
        response, "refusing ref '" + detail::shown_text(*name) + "' from " + repo.repo_id +
                      ": it is empty or contains whitespace or a control character"));
  }
  auto commit = detail::normalized_hex(*target, 40);
  if (!commit) {
    return tl::unexpected(detail::refused_value(
        response, "refusing ref '" + *name + "' from " + repo.repo_id + ": its targetCommit '" +
                      detail::shown_text(*target) + "' is not a 40-digit commit id"));
  }
  return GitRef{std::move(*name), std::move(*commit)};
}

Result<std::vector<GitRef>> read_ref_list(const HttpResponse& response, const RepoRef& repo,
                                          const detail::JsonObjectReader& root,
                                          std::string_view key, bool required) {
  std::vector<GitRef> refs;
  const detail::Json* list = root.find(key);
  if ((list == nullptr || list->is_null()) && !required) return refs;
  if (list == nullptr || !list->is_array()) return tl::unexpected(root.wrong(key, "an array"));
  const std::string path = root.member_path(key);
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto ref = read_ref(response, repo, (*list)[i], path + "[" + std::to_string(i) + "]");
    if (!ref) return tl::unexpected(ref.error());
    refs.push_back(std::move(*ref));
  }
  return refs;
}

// YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z: what huggingface_hub's parse_datetime takes.
bool is_hub_datetime(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1 || !text.ends_with('Z')) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !ascii::is_digit(text[i]) : text[i] != kShape[i]) return false;
  }
  std::string_view rest = text.substr(kShape.size(), text.size() - kShape.size() - 1);
  if (rest.empty()) return true;
  if (rest.front() != '.' || rest.size() == 1) return false;
  rest.remove_prefix(1);
  for (const char c : rest) {
    if (!ascii::is_digit(c)) return false;
  }
  return true;
}

// Python's bool() of a JSON value.
bool is_truthy(const detail::Json& value) {
  switch (value.type()) {
    case detail::Json::value_t::null:
      return false;
    case detail::Json::value_t::boolean:
      return value.get<bool>();
    case detail::Json::value_t::number_integer:
      return value.get<std::int64_t>() != 0;
    case detail::Json::value_t::number_unsigned:
      return value.get<std::uint64_t>() != 0;
    case detail::Json::value_t::number_float:
      return value.get<double>() != 0.0;
    case detail::Json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    default:
      return !value.empty();  // arrays and objects: non-empty
  }
}

Result<detail::Json> object_body(const HttpResponse& response, std::string_view subject) {
  auto json = detail::parse_json_body(response, subject);
  if (!json) return json;
  if (!json->is_object()) {
    return tl::unexpected(detail::bad_answer(response, subject, "the body must be a JSON object"));
  }
  return json;
}

}  // namespace

Result<RepoRefs> parse_refs(const HttpResponse& response, const RepoRef& repo) {
  if (!response.is_success()) return tl::unexpected(hub_error(response, repo, {"refs", "", ""}));
  auto json = object_body(response, repo.repo_id);
  if (!json) return tl::unexpected(json.error());
  const detail::JsonObjectReader root(response, repo.repo_id, *json, "$");
  RepoRefs refs;
  refs.repo = repo;
  auto branches = read_ref_list(response, repo, root, "branches", true);
  if (!branches) return tl::unexpected(branches.error());
  auto tags = read_ref_list(response, repo, root, "tags", true);
  if (!tags) return tl::unexpected(tags.error());
  auto converts = read_ref_list(response, repo, root, "converts", false);
  if (!converts) return tl::unexpected(converts.error());
  refs.branches = std::move(*branches);
  refs.tags = std::move(*tags);
  refs.converts = std::move(*converts);
  return refs;
}

Result<RepoInfo> parse_repo_info(const HttpResponse& response, const RepoRef& repo) {
  if (!response.is_success()) {
    return tl::unexpected(hub_error(response, repo, {"repo info", "", ""}));
  }
  auto json = object_body(response, repo.repo_id);
  if (!json) return tl::unexpected(json.error());
  const detail::JsonObjectReader root(response, repo.repo_id, *json, "$");
  RepoInfo info;
  info.repo = repo;
  auto id = root.required_string("id");
  if (!id) return tl::unexpected(id.error());
  if (id->empty()) return tl::unexpected(root.wrong("id", "a non-empty string"));
  info.id = std::move(*id);
  auto sha = root.required_string("sha");
  if (!sha) return tl::unexpected(sha.error());
  auto commit = detail::normalized_hex(*sha, 40);
  if (!commit) {
    return tl::unexpected(detail::refused_value(
        response, "refusing the info of " + repo.repo_id + ": its sha '" +
                      detail::shown_text(*sha) + "' is not a 40-digit commit id"));
  }
  info.sha = std::move(*commit);
  const bool camel = root.find("lastModified") != nullptr;
  auto modified = root.optional_string(camel ? "lastModified" : "last_modified");
  if (!modified) return tl::unexpected(modified.error());
  if (*modified && !is_hub_datetime(**modified)) {
    return tl::unexpected(root.wrong(camel ? "lastModified" : "last_modified",
                                     "a date such as 2026-08-01T12:00:00Z"));
  }
  info.last_modified = std::move(*modified);
  auto is_private = root.optional_bool("private");
  if (!is_private) return tl::unexpected(is_private.error());
  info.is_private = *is_private;
  return info;
}

Result<OrgOverview> parse_org_overview(const HttpResponse& response, std::string_view org) {
  const std::string subject = "organization '" + detail::shown_text(org) + "'";
  if (response.status == 404) {
    return fail(ErrorCode::not_found,
                subject + " not found on " + detail::display_origin(response) +
                    " (a user namespace has no organization overview)",
                redact_url(response.url));
  }
  if (!response.is_success()) {
    return tl::unexpected(
        hub_error(response, RepoRef{std::string(org), RepoType::model}, {"overview", "", ""}));
  }
  auto json = object_body(response, subject);
  if (!json) return tl::unexpected(json.error());
  const detail::JsonObjectReader root(response, subject, *json, "$");
  auto name = root.optional_string("name");
  if (!name) return tl::unexpected(name.error());
  OrgOverview overview;
  overview.name = name->value_or(std::string(org));
  if (const detail::Json* trusted = root.find("trustedKernelPublisher")) {
    overview.trusted_kernel_publisher = is_truthy(*trusted);
  }
  return overview;
}

}  // namespace kernels
