#pragma once

// A small Hub for the HubClient tests: cpp-httplib on 127.0.0.1 (LocalHttpServer), routing on
// the raw request target as hub-api.md section 11 asks a fake Hub to (split on '/', decode each
// segment), with the Hub's JSON and error headers. A test adds repos, may answer any request
// itself through `hook`, and asserts on the requests the server saw.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <httplib.h>

#include "kernels/hub/hub_types.hpp"

#include "hub_api_fixtures.hpp"
#include "hub_test_server.hpp"

namespace kernels::testing {

// The etag the fake Hub gives every regular file.
inline constexpr std::string_view kFakeEtag = "0123456789abcdef0123456789abcdef01234567";

struct FakeRepo {
  std::string refs = std::string(kRefsJson);
  std::string info = std::string(kInfoJson);
  // Page i links to page i + 1 with `cursor=<i+1>`.
  std::vector<std::string> tree_pages = {std::string(kTreeJson)};
  // Files under /resolve/, by path.
  std::map<std::string, std::string> files;
};

struct SeenRequest {
  std::string method;
  std::string target;  // raw, with the query
  std::string authorization;
  std::string user_agent;
};

class FakeHub {
 public:
  FakeHub() {
    server_.routes().Get(".*",
                         [this](const httplib::Request& request, httplib::Response& response) {
                           record(request);
                           if (hook && hook(request, response)) return;
                           route(request, response);
                         });
  }

  void add(RepoType type, const std::string& repo_id, FakeRepo repo) {
    repos_[key(type, repo_id)] = std::move(repo);
  }

  // Answers a request before the routes do when it returns true. Set before start().
  std::function<bool(const httplib::Request&, httplib::Response&)> hook;
  // False: an old mirror that has no kernel routes (a bare 404 for /api/kernels/ and /kernels/).
  bool kernel_routes = true;
  // A revision no repo has (answered with RevisionNotFound).
  std::string unknown_revision = "v99";

  void start() { server_.start(); }
  [[nodiscard]] std::string endpoint() const { return server_.origin(); }
  [[nodiscard]] LocalHttpServer& server() { return server_; }

  [[nodiscard]] std::vector<SeenRequest> seen() const {
    const std::lock_guard lock(mutex_);
    return seen_;
  }
  [[nodiscard]] std::size_t count(std::string_view target_prefix) const {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& request : seen_)
      if (request.target.starts_with(target_prefix)) ++n;
    return n;
  }

 private:
  static std::string key(RepoType type, std::string_view repo_id) {
    return std::string(to_string(type)) + ":" + std::string(repo_id);
  }

  void record(const httplib::Request& request) {
    const std::lock_guard lock(mutex_);
    seen_.push_back({request.method, request.target, request.get_header_value("Authorization"),
                     request.get_header_value("User-Agent")});
  }

  static void error(httplib::Response& response, int status, std::string_view code,
                    std::string_view message) {
    response.status = status;
    response.set_header("X-Error-Code", std::string(code));
    response.set_header("X-Error-Message", std::string(message));
    response.set_content(R"({"error":")" + std::string(message) + "\"}", "application/json");
  }

  void route(const httplib::Request& request, httplib::Response& response) {
    const std::string& target = request.target;
    const std::size_t question = target.find('?');
    const std::string path = target.substr(0, question);
    const std::string query = question == std::string::npos ? "" : target.substr(question + 1);
    std::vector<std::string> parts;
    for (std::size_t start = 1; start <= path.size();) {
      const std::size_t end = std::min(path.find('/', start), path.size());
      parts.push_back(httplib::detail::decode_url(path.substr(start, end - start), false));
      start = end + 1;
    }
    if (parts.size() >= 4 && parts[0] == "api") {
      api(parts, path, query, response);
    } else {
      resolve(parts, response);
    }
  }

  void api(const std::vector<std::string>& parts, const std::string& path, const std::string& query,
           httplib::Response& response) {
    const RepoType type = parts[1] == "kernels" ? RepoType::kernel : RepoType::model;
    if ((type == RepoType::kernel && !kernel_routes) ||
        (parts[1] != "kernels" && parts[1] != "models")) {
      response.status = 404;
      return;
    }
    const auto found = repos_.find(key(type, parts[2] + "/" + parts[3]));
    if (found == repos_.end()) return error(response, 404, "RepoNotFound", "Repository not found");
    const FakeRepo& repo = found->second;
    if (parts.size() == 4) return response.set_content(repo.info, "application/json");
    if (parts[4] == "refs") return response.set_content(repo.refs, "application/json");
    if (parts.size() >= 6 && parts[5] == unknown_revision) {
      return error(response, 404, "RevisionNotFound", "Invalid rev id: " + unknown_revision);
    }
    if (parts[4] == "revision") return response.set_content(repo.info, "application/json");
    if (parts[4] != "tree" || parts.size() < 6) {
      response.status = 404;
      return;
    }
    std::size_t page = 0;
    std::string base_query = query;
    if (const auto at = query.find("&cursor="); at != std::string::npos) {
      page = std::stoul(query.substr(at + 8));
      base_query = query.substr(0, at);
    }
    if (page >= repo.tree_pages.size()) {
      return error(response, 400, "InvalidCursor", "cursor out of range");
    }
    if (page + 1 < repo.tree_pages.size()) {
      response.set_header("Link", "<" + endpoint() + path + "?" + base_query +
                                      "&cursor=" + std::to_string(page + 1) + ">; rel=\"next\"");
    }
    response.set_content(repo.tree_pages[page], "application/json");
  }

  void resolve(const std::vector<std::string>& parts, httplib::Response& response) {
    const bool kernel = !parts.empty() && parts[0] == "kernels";
    const std::size_t at = kernel ? 1 : 0;  // where org/name starts
    if (parts.size() < at + 5 || parts[at + 2] != "resolve" || (kernel && !kernel_routes)) {
      response.status = 404;
      return;
    }
    const auto found = repos_.find(
        key(kernel ? RepoType::kernel : RepoType::model, parts[at] + "/" + parts[at + 1]));
    if (found == repos_.end()) return error(response, 404, "RepoNotFound", "Repository not found");
    if (parts[at + 3] == unknown_revision) {
      return error(response, 404, "RevisionNotFound", "Invalid rev id: " + unknown_revision);
    }
    std::string file;
    for (std::size_t i = at + 4; i < parts.size(); ++i)
      file += (file.empty() ? "" : "/") + parts[i];
    response.set_header("X-Repo-Commit", std::string(kCommit));
    const auto content = found->second.files.find(file);
    if (content == found->second.files.end()) {
      return error(response, 404, "EntryNotFound", "Entry not found");
    }
    response.set_header("ETag", "\"" + std::string(kFakeEtag) + "\"");
    response.set_content(content->second, "application/octet-stream");
  }

  std::map<std::string, FakeRepo> repos_;
  mutable std::mutex mutex_;
  std::vector<SeenRequest> seen_;
  // Last, so that it stops before the state its handlers use is destroyed.
  LocalHttpServer server_;
};

}  // namespace kernels::testing
