// HubClient calls that take more than one round per repo: tree listings (one round per page, each
// round one batch shared by every repo that has more pages) and file metadata (relative
// redirects of /resolve/ followed by HEAD, in rounds as well).

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "kernels/hub/hub_client.hpp"
#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_requests.hpp"
#include "kernels/hub/hub_responses.hpp"
#include "kernels/hub/url.hpp"

#include "hub/hub_client_stage.hpp"

namespace kernels {

using detail::revision_or_main;
using detail::StageAnswer;
using detail::StageContext;

namespace {

// A relative redirect of /resolve/ is followed at most this many times (the Hub uses one).
constexpr int kMaxResolveRedirects = 5;

// A listing in progress: pages read so far and the next one to ask for.
struct TreeProgress {
  RepoTree tree;
  std::optional<std::string> next_url;
  std::set<std::string> seen_urls;
  std::size_t pages = 0;
};

Error pagination_error(const HttpResponse& response, const RepoRef& repo, std::string_view why) {
  return Error{
      ErrorCode::network,
      "the file list of " + repo.repo_id + " cannot be read to the end: " + std::string(why),
      redact_url(response.url)};
}

// Adds a page to `progress`; an error ends the listing.
Result<void> add_page(TreeProgress& progress, const HttpResponse& response,
                      const TreeQuery& query) {
  const RepoRef& repo = progress.tree.repo;
  if (!response.is_success()) {
    return tl::unexpected(
        hub_error(response, repo, {"file list", progress.tree.revision, query.path_in_repo}));
  }
  auto page = parse_tree_page(response, repo);
  if (!page) return tl::unexpected(page.error());
  ++progress.pages;
  progress.seen_urls.insert(response.url);
  for (TreeEntry& entry : page->entries)
    progress.tree.entries.push_back(std::move(entry));
  progress.next_url = std::move(page->next_url);
  if (!progress.next_url) return {};
  if (progress.seen_urls.contains(*progress.next_url)) {
    return tl::unexpected(pagination_error(
        response, repo, "the Link header leads back to a page already read (a loop)"));
  }
  if (progress.pages >= kMaxTreePages) {
    return tl::unexpected(
        pagination_error(response, repo, "more than " + std::to_string(kMaxTreePages) + " pages"));
  }
  return {};
}

}  // namespace

std::vector<Result<RepoTree>> HubClient::tree_many(std::span<const TreeQuery> queries) {
  const StageContext context{http_, known_types_, offline_, token_};
  auto answers = detail::run_first_stage<TreeQuery>(
      context, queries, "the file list", [](const TreeQuery& query) { return query.repo; },
      [](const TreeQuery& query) {
        return detail::check_query(query.repo, revision_or_main(query.revision),
                                   query.path_in_repo);
      },
      [&](const TreeQuery& query, const RepoRef& asked) {
        return tree_request(endpoint_, asked, revision_or_main(query.revision), query.path_in_repo,
                            query.recursive);
      });

  std::vector<std::optional<Result<RepoTree>>> done(queries.size());
  std::vector<TreeProgress> progress(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (!answers[i]) {
      done[i] = tl::unexpected(std::move(answers[i].error()));
      continue;
    }
    const StageAnswer& answer = *answers[i];
    progress[i].tree.repo = answer.repo;
    progress[i].tree.revision = std::string(revision_or_main(queries[i].revision));
    if (!answer.response.is_success()) {
      done[i] = tl::unexpected(detail::answer_error(
          answer, {"file list", revision_or_main(queries[i].revision), queries[i].path_in_repo}));
    } else if (auto added = add_page(progress[i], answer.response, queries[i]); !added) {
      done[i] = tl::unexpected(added.error());
    }
  }

  // One batch per round, holding the next page of every listing that has one.
  while (true) {
    std::vector<std::size_t> pending;
    std::vector<HttpRequest> requests;
    for (std::size_t i = 0; i < queries.size(); ++i) {
      if (done[i] || !progress[i].next_url) continue;
      pending.push_back(i);
      requests.push_back(tree_next_page_request(*progress[i].next_url));
    }
    if (pending.empty()) break;
    auto responses = http_.perform(std::move(requests));
    for (std::size_t j = 0; j < pending.size(); ++j) {
      const std::size_t i = pending[j];
      if (!responses[j]) {
        done[i] = tl::unexpected(std::move(responses[j].error()));
        continue;
      }
      if (auto added = add_page(progress[i], *responses[j], queries[i]); !added) {
        done[i] = tl::unexpected(added.error());
      }
    }
  }

  std::vector<Result<RepoTree>> results;
  results.reserve(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    results.push_back(done[i] ? std::move(*done[i])
                              : Result<RepoTree>(std::move(progress[i].tree)));
    detail::scrub_token(results.back(), token_);
  }
  return results;
}

std::vector<Result<FileMetadata>> HubClient::file_metadata_many(
    std::span<const FileQuery> queries) {
  const StageContext context{http_, known_types_, offline_, token_};
  auto answers = detail::run_first_stage<FileQuery>(
      context, queries, "the metadata", [](const FileQuery& query) { return query.repo; },
      [&](const FileQuery& query) {
        if (query.path.empty()) {
          return Result<void>(fail(ErrorCode::invalid_input,
                                   "no file path given for the metadata of " + query.repo.repo_id,
                                   query.repo.repo_id));
        }
        return detail::check_query(query.repo, revision_or_main(query.revision), query.path);
      },
      [&](const FileQuery& query, const RepoRef& asked) {
        return resolve_head_request(endpoint_, asked, revision_or_main(query.revision), query.path);
      });

  // Relative redirects (the Hub's /api/resolve-cache/ for regular files), one round at a time.
  for (int round = 0; round <= kMaxResolveRedirects; ++round) {
    std::vector<std::size_t> pending;
    std::vector<HttpRequest> requests;
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i]) continue;
      auto next = follow_relative_resolve_redirect(answers[i]->response);
      if (!next) continue;
      if (round == kMaxResolveRedirects) {
        answers[i] = tl::unexpected(Error{ErrorCode::network,
                                          "more than " + std::to_string(kMaxResolveRedirects) +
                                              " relative redirects for the metadata of '" +
                                              queries[i].path + "' in " + queries[i].repo.repo_id,
                                          redact_url(answers[i]->response.url)});
        continue;
      }
      pending.push_back(i);
      requests.push_back(std::move(*next));
    }
    if (pending.empty()) break;
    auto responses = http_.perform(std::move(requests));
    for (std::size_t j = 0; j < pending.size(); ++j) {
      const std::size_t i = pending[j];
      if (!responses[j]) {
        answers[i] = tl::unexpected(std::move(responses[j].error()));
      } else {
        answers[i]->response = std::move(*responses[j]);
      }
    }
  }

  return detail::finish_stage<FileMetadata>(
      context, answers, [&](const StageAnswer& answer, std::size_t i) {
        const int status = answer.response.status;
        if (!answer.response.is_success() && (status < 300 || status >= 400)) {
          return Result<FileMetadata>(tl::unexpected(detail::answer_error(
              answer, {"file", revision_or_main(queries[i].revision), queries[i].path})));
        }
        return parse_file_metadata(answer.response, answer.repo, queries[i].path);
      });
}

}  // namespace kernels
