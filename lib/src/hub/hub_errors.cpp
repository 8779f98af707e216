#include "kernels/hub/hub_errors.hpp"

#include <string>

#include "kernels/hub/url.hpp"

#include "hub/json_body.hpp"
#include "util/ascii.hpp"

namespace kernels {
namespace {

constexpr std::string_view kDisabledMessage = "Access to this resource is disabled.";
constexpr std::string_view kInvalidCredentials = "Invalid credentials in Authorization header";

std::string join_strings(const detail::Json& array) {
  std::string out;
  for (const auto& item : array) {
    if (!item.is_string()) continue;
    if (!out.empty()) out += "; ";
    out += item.get<std::string>();
  }
  return out;
}

// The body's own explanation, as huggingface_hub collects it: {"error": "..."},
// {"error": [...]}, {"errors": [{"message": "..."}]}, {"error_description": "..."}, or the text of
// a body that is neither JSON nor HTML.
std::string body_message(const HttpResponse& response) {
  const std::string_view body = ascii::trim(response.body);
  if (body.empty()) return {};
  if (body.front() == '{') {
    try {
      const auto json = detail::Json::parse(body);
      std::string out;
      if (const auto it = json.find("error"); it != json.end()) {
        if (it->is_string()) out = it->get<std::string>();
        if (it->is_array()) out = join_strings(*it);
      }
      if (const auto it = json.find("errors"); out.empty() && it != json.end() && it->is_array()) {
        for (const auto& item : *it) {
          if (!item.is_object()) continue;
          const auto message = item.find("message");
          if (message == item.end() || !message->is_string()) continue;
          if (!out.empty()) out += "; ";
          out += message->get<std::string>();
        }
      }
      if (const auto it = json.find("error_description"); it != json.end() && it->is_string()) {
        out += out.empty() ? it->get<std::string>() : " (" + it->get<std::string>() + ")";
      }
      return out;
    } catch (const detail::Json::exception&) {
      return {};
    }
  }
  if (body.front() == '<') return {};  // an HTML error page says nothing useful in one line
  return std::string(body.substr(0, body.find('\n')));
}

// The server's explanation: X-Error-Message, else the body's.
std::string server_message(const HttpResponse& response) {
  if (const auto header = response.headers.find("X-Error-Message"); header && !header->empty()) {
    return std::string(*header);
  }
  return body_message(response);
}

// " (server: ...)" or nothing.
std::string server_says(const HttpResponse& response) {
  const std::string message = server_message(response);
  if (message.empty()) return {};
  return " (server: " + detail::shown_text(message) + ")";
}

// "the file list of org/x at revision 'v1'": what was asked, for the generic messages.
std::string describe_query(const RepoRef& repo, const HubQuery& query) {
  std::string out = query.what.empty() ? "a request" : std::string(query.what);
  if (!query.path.empty()) out += " '" + detail::shown_text(query.path) + "'";
  out += " of " + repo.repo_id;
  if (!query.revision.empty()) out += " at revision '" + detail::shown_text(query.revision) + "'";
  return out;
}

std::string after_attempts(const HttpResponse& response) {
  if (response.attempts <= 1) return {};
  return " after " + std::to_string(response.attempts) + " attempts";
}

Error located(ErrorCode code, std::string message, const HttpResponse& response) {
  return Error{code, std::move(message), redact_url(response.url)};
}

// "scheme://host[:port]" of the URL that gave the final response, when redirects led it to
// another origin than the one asked; empty otherwise. The HTTP client never sends the token to
// such a host, so its 401 or 403 says nothing about the token the user set.
std::string foreign_final_origin(const HttpResponse& response) {
  if (response.redirects.empty()) return {};
  const auto asked = url_origin(response.redirects.front().url);
  const auto answered = url_origin(response.url);
  if (!asked || !answered || *asked == *answered) return {};
  const std::string redacted = redact_url(response.url);
  const std::size_t scheme_end = redacted.find("://");
  if (scheme_end == std::string::npos) return redacted;
  return redacted.substr(0, redacted.find_first_of("/?#", scheme_end + 3));
}

// A 401 or 403 from a host the endpoint redirected to, where the token is not sent.
Error refused_after_redirect(const HttpResponse& response, const RepoRef& repo,
                             const HubQuery& query, std::string_view origin,
                             std::string_view foreign) {
  const std::string refused =
      response.status == 401 ? "authentication failed on " : "access denied by ";
  return located(ErrorCode::failure,
                 refused + std::string(foreign) + " (HTTP " + std::to_string(response.status) +
                     ") for " + describe_query(repo, query) + ", where " + std::string(origin) +
                     " redirected the request: the token goes to " + std::string(origin) +
                     " only, never to another host; ask the operator of " + std::string(origin) +
                     " why it redirects there" + server_says(response),
                 response);
}

}  // namespace

Error hub_error(const HttpResponse& response, const RepoRef& repo, const HubQuery& query) {
  const std::string origin = detail::display_origin(response);
  const std::string status = "HTTP " + std::to_string(response.status);
  const std::string code(ascii::trim(response.headers.find("X-Error-Code").value_or("")));
  const std::string message = server_message(response);

  if (code == "RevisionNotFound") {
    const std::string revision = query.revision.empty()
                                     ? "the revision asked for"
                                     : "revision '" + detail::shown_text(query.revision) + "'";
    return located(ErrorCode::not_found,
                   revision + " not found in " + repo.repo_id + " on " + origin +
                       "; check the branch, tag or commit" + server_says(response),
                   response);
  }
  if (code == "EntryNotFound") {
    const std::string entry = query.path.empty()
                                  ? std::string(query.what.empty() ? "the entry" : query.what)
                                  : "'" + detail::shown_text(query.path) + "'";
    std::string text = entry + " not found in " + repo.repo_id;
    if (!query.revision.empty())
      text += " at revision '" + detail::shown_text(query.revision) + "'";
    return located(ErrorCode::not_found, text + " on " + origin + server_says(response), response);
  }
  if (code == "GatedRepo") {
    const HubEndpoint endpoint{origin};
    return located(ErrorCode::failure,
                   repo.repo_id + " is a gated repository: accept the conditions at " +
                       repo_web_url(endpoint, repo) +
                       " with your account, then set HF_TOKEN (or pass --token) to a token of "
                       "that account" +
                       server_says(response),
                   response);
  }
  if (message == kDisabledMessage) {
    return located(ErrorCode::failure,
                   repo.repo_id + " has been disabled on " + origin +
                       " and cannot be downloaded (server: " + std::string(kDisabledMessage) + ")",
                   response);
  }
  if (code == "RepoNotFound") {
    return located(ErrorCode::not_found,
                   "repository " + repo.repo_id + " not found on " + origin +
                       " (or it is private: set HF_TOKEN or pass --token)",
                   response);
  }
  if (response.status == 401 || response.status == 403) {
    if (const std::string foreign = foreign_final_origin(response); !foreign.empty()) {
      return refused_after_redirect(response, repo, query, origin, foreign);
    }
  }
  if (response.status == 401) {
    const std::string why = message == kInvalidCredentials
                                ? "the token was rejected; set HF_TOKEN (or --token) to a valid one"
                                : "set HF_TOKEN (or pass --token) to a valid token";
    return located(ErrorCode::failure,
                   "authentication failed on " + origin + " (" + status + ") for " +
                       describe_query(repo, query) + ": " + why + server_says(response),
                   response);
  }
  if (response.status == 403) {
    return located(
        ErrorCode::failure,
        "access denied by " + origin + " (" + status + ") for " + describe_query(repo, query) +
            ": the token (HF_TOKEN or --token) lacks the right to read it" + server_says(response),
        response);
  }
  if (response.status == 404) {
    return located(ErrorCode::not_found,
                   describe_query(repo, query) + " not found on " + origin + " (" + status +
                       " without X-Error-Code: is " + origin + " a Hub endpoint?)" +
                       server_says(response),
                   response);
  }
  if (response.status == 429) {
    return located(ErrorCode::network,
                   origin + " rate-limited the requests (" + status + after_attempts(response) +
                       ") for " + describe_query(repo, query) +
                       "; wait and try again (requests with a token get a larger quota)" +
                       server_says(response),
                   response);
  }
  if (response.status == 408 || response.status >= 500) {
    return located(ErrorCode::network,
                   origin + " failed (" + status + after_attempts(response) + ") for " +
                       describe_query(repo, query) + "; try again later" + server_says(response),
                   response);
  }
  if (response.status >= 400) {
    return located(ErrorCode::failure,
                   origin + " refused the request (" + status + ") for " +
                       describe_query(repo, query) + server_says(response),
                   response);
  }
  return located(ErrorCode::network,
                 origin + " answered " + status + " for " + describe_query(repo, query) +
                     ", which the Hub API never does here",
                 response);
}

bool needs_model_fallback(const HttpResponse& response) {
  const auto code = response.headers.find("X-Error-Code");
  if (code && !ascii::trim(*code).empty()) return ascii::trim(*code) == "RepoNotFound";
  return response.status == 404;
}

Error offline_error(std::string_view what, std::string_view subject) {
  return Error{ErrorCode::network,
               "offline mode (HF_HUB_OFFLINE / --offline): cannot reach the Hub for " +
                   std::string(what) + " of " + std::string(subject),
               std::string(subject)};
}

}  // namespace kernels
