#include "kernels/hub/hub_types.hpp"

#include "kernels/hub/url.hpp"

namespace kernels {

Result<HubEndpoint> make_hub_endpoint(std::string_view url) {
  while (url.ends_with('/'))
    url.remove_suffix(1);
  if (auto origin = url_origin(url); !origin) {
    return fail(ErrorCode::invalid_input, "invalid Hub endpoint: " + origin.error().message,
                redact_url(url));
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return fail(ErrorCode::invalid_input,
                "invalid Hub endpoint: it has a query or fragment; give the base URL only, such "
                "as https://huggingface.co",
                redact_url(url));
  }
  return HubEndpoint{std::string(url)};
}

std::string repo_web_url(const HubEndpoint& endpoint, const RepoRef& repo) {
  const std::string_view prefix = repo.type == RepoType::kernel ? "/kernels/" : "/";
  return endpoint.url + std::string(prefix) + repo.repo_id;
}

std::vector<RepoTreeFile> tree_files(const std::vector<TreeEntry>& entries) {
  std::vector<RepoTreeFile> files;
  for (const TreeEntry& entry : entries) {
    if (entry.type != TreeEntryType::file) continue;
    RepoTreeFile file;
    file.path = entry.path;
    if (!entry.oid.empty()) file.blob_id = entry.oid;
    if (entry.lfs) file.lfs_sha256 = entry.lfs->sha256;
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace kernels
