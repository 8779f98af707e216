// The Hub's answers are untrusted: refs, repo info, tree pages (with a Link header), the HEAD of a
// file, kernel-status.toml and the organization overview. What a parser accepts must hold only
// values that are safe to use: tree paths pass validate_repo_path, commits are 40 hex digits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kernels/hub/hub_responses.hpp"
#include "kernels/model/repo_path.hpp"

#include "fuzz_support.hpp"

namespace {

bool is_commit(std::string_view sha) {
  if (sha.size() != 40) return false;
  for (const char c : sha) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The body up to the first NUL is the body; after it come "Name: value" header lines, so that
// header-driven parsers (Link, X-Linked-Etag, X-Error-Code) are fuzzed too.
kernels::HttpResponse response_from(std::string_view text, int status) {
  kernels::HttpResponse response;
  response.status = status;
  response.url = "https://hub.invalid/api/kernels/org/name/tree/main";
  const auto split = text.find('\0');
  response.body = std::string(text.substr(0, split));
  if (split == std::string_view::npos) return response;
  std::string_view headers = text.substr(split + 1);
  while (!headers.empty()) {
    const auto end = headers.find('\n');
    const std::string_view line = headers.substr(0, end);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      response.headers.add(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
    if (end == std::string_view::npos) break;
    headers.remove_prefix(end + 1);
  }
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  const auto [choice, text] = fuzz::select(fuzz::as_text(data, size), 8);
  const RepoRef repo{"org/name", RepoType::kernel};
  const int status = (choice & 1U) != 0 ? 404 : 200;
  const HttpResponse response = response_from(text, status);
  switch (choice / 2) {
    case 0: {
      auto refs = parse_refs(response, repo);
      if (!refs) break;
      for (const auto* list : {&refs->branches, &refs->tags, &refs->converts}) {
        for (const GitRef& ref : *list) {
          fuzz::require(is_commit(ref.target_commit), "refs name 40-hex commits");
        }
      }
      break;
    }
    case 1: {
      auto info = parse_repo_info(response, repo);
      if (info) fuzz::require(is_commit(info->sha), "repo info names a 40-hex commit");
      break;
    }
    case 2: {
      auto page = parse_tree_page(response, repo);
      if (!page) break;
      for (const TreeEntry& entry : page->entries) {
        fuzz::require(validate_repo_path(entry.path).has_value(), "tree paths are safe");
      }
      break;
    }
    default: {
      (void)parse_file_metadata(response, repo, "build/torch-cpu/x.so");
      (void)parse_kernel_status_toml(response.body, "fuzz");
      (void)parse_kernel_status_response(response, repo);
      (void)parse_org_overview(response, "org");
      break;
    }
  }
  return 0;
}
