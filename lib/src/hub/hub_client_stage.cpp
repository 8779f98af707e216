#include "hub/hub_client_stage.hpp"

#include "kernels/model/repo_id.hpp"
#include "kernels/model/repo_path.hpp"

#include "hub/json_body.hpp"

namespace kernels::detail {
namespace {

Error at_repo(Error error, std::string_view repo_id) {
  if (error.location.empty()) error.location = std::string(repo_id);
  return error;
}

void replace_all(std::string& text, std::string_view secret, std::string_view replacement) {
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + replacement.size())) {
    text.replace(at, secret.size(), replacement);
  }
}

}  // namespace

Result<void> check_query(const RepoRef& repo, std::string_view revision, std::string_view path) {
  if (auto valid = validate_repo_id(repo.repo_id); !valid) {
    return tl::unexpected(at_repo(valid.error(), repo.repo_id));
  }
  if (!revision.empty()) {
    if (auto valid = validate_revision(revision); !valid) {
      return tl::unexpected(at_repo(valid.error(), repo.repo_id));
    }
  }
  if (!path.empty()) {
    if (auto valid = validate_repo_path(path); !valid) {
      return tl::unexpected(at_repo(valid.error(), repo.repo_id));
    }
  }
  return {};
}

Result<void> check_namespace(std::string_view org) {
  // A namespace is valid exactly when "<org>/x" is a valid repo id.
  if (org.find('/') == std::string_view::npos) {
    if (auto valid = validate_repo_id(std::string(org) + "/x"); valid) return {};
  }
  return fail(ErrorCode::invalid_input,
              "invalid organization name '" + shown_text(org) +
                  "': use letters, digits, '.', '_' and '-' (the part of a repo id before '/')");
}

Error answer_error(const StageAnswer& answer, const HubQuery& query) {
  Error error = hub_error(answer.response, answer.repo, query);
  if (answer.tried_both && error.code == ErrorCode::not_found) {
    error.message += "; it was looked for as a kernel repo and as a model repo";
  }
  return error;
}

void scrub_token(Error& error, std::string_view token) {
  // Shorter "tokens" would only garble messages; real ones are far longer.
  constexpr std::size_t kMinTokenLength = 8;
  if (token.size() < kMinTokenLength) return;
  replace_all(error.message, token, "<token>");
  replace_all(error.location, token, "<token>");
}

}  // namespace kernels::detail
