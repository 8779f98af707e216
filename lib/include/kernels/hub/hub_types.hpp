#pragma once

// The values the Hub API layer speaks in: which repo a request is about, and what the Hub's answers
// (reference/hub-api.md sections 2.1-2.7) mean once parsed. Plain data; the functions that build
// requests and read responses are in hub_requests.hpp and hub_responses.hpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/model/repo_type.hpp"
#include "kernels/model/variant_hash.hpp"
#include "kernels/model/version_resolution.hpp"

namespace kernels {

// A repo on the Hub. The id is "org/name"; the client checks it (validate_repo_id) before it
// builds a request.
struct RepoRef {
  std::string repo_id;
  RepoType type = RepoType::kernel;

  friend bool operator==(const RepoRef&, const RepoRef&) = default;
};

// The Hub's base URL without a trailing '/', e.g. "https://huggingface.co" or a mirror's
// "http://10.0.0.5:8080/hub". API paths are appended to it as they are.
struct HubEndpoint {
  std::string url;
};

// Checks an endpoint URL (absolute http:// or https://, no query or fragment) and drops trailing
// slashes. Fails with invalid_input.
[[nodiscard]] Result<HubEndpoint> make_hub_endpoint(std::string_view url);

// The repo's page on the Hub's website, for messages ("accept the conditions at ..."):
// {endpoint}/kernels/org/name for kernels, {endpoint}/org/name for models.
[[nodiscard]] std::string repo_web_url(const HubEndpoint& endpoint, const RepoRef& repo);

// Caps on the JSON bodies the Hub layer buffers (BufferedBody::max_bytes). Real answers are far
// smaller: a page of 1000 tree entries is about 300 KiB. A body over its cap fails the request.
inline constexpr std::size_t kMaxRefsBytes = std::size_t{8} << 20U;
inline constexpr std::size_t kMaxRepoInfoBytes = std::size_t{16} << 20U;
inline constexpr std::size_t kMaxTreePageBytes = std::size_t{32} << 20U;
inline constexpr std::size_t kMaxOrgOverviewBytes = std::size_t{1} << 20U;
inline constexpr std::size_t kMaxKernelStatusBytes = std::size_t{64} << 10U;

// A full tree listing follows at most this many pages (1000 entries each on the Hub): a server
// whose Link headers never end cannot keep the client busy forever.
inline constexpr std::size_t kMaxTreePages = 1000;

// GET /api/{type}s/{id}/refs. The refs lists are in the server's order.
struct RepoRefs {
  RepoRef repo;  // the repo, with the type that answered
  std::vector<GitRef> branches;
  std::vector<GitRef> tags;
  std::vector<GitRef> converts;
};

// GET /api/{type}s/{id}[/revision/{rev}], the fields the tool uses.
struct RepoInfo {
  RepoRef repo;     // the repo, with the type that answered
  std::string id;   // as the Hub spells it (it may differ in case from the id asked for)
  std::string sha;  // the resolved commit: 40 lowercase hex digits
  std::optional<std::string> last_modified;  // "2026-08-01T12:00:00.000Z"
  std::optional<bool> is_private;
};

enum class TreeEntryType { file, directory };

// The LFS part of a file entry: the content's SHA-256 and size.
struct LfsPointerInfo {
  std::string sha256;  // 64 lowercase hex digits
  std::uint64_t size = 0;
};

// One entry of GET /api/{type}s/{id}/tree/{rev}[/{path}].
struct TreeEntry {
  TreeEntryType type = TreeEntryType::file;
  std::string path;  // repository-relative, checked by validate_repo_path
  // Files: the git blob id (40 lowercase hex). Directories: the git tree id as sent, or empty.
  std::string oid;
  std::uint64_t size = 0;  // files: the content size (lfs.size for LFS files); directories: 0
  std::optional<LfsPointerInfo> lfs;
};

// One page of a tree listing and the absolute URL of the next page, when the Hub's
// `Link: <...>; rel="next"` gave one.
struct TreePage {
  std::vector<TreeEntry> entries;
  std::optional<std::string> next_url;
};

// Every page of a tree listing, concatenated.
struct RepoTree {
  RepoRef repo;  // the repo, with the type that answered
  std::string revision;
  std::vector<TreeEntry> entries;
};

// The files of a listing as variant_hashes_from_tree() takes them.
[[nodiscard]] std::vector<RepoTreeFile> tree_files(const std::vector<TreeEntry>& entries);

// What HEAD /{prefix}{id}/resolve/{rev}/{path} says about a file (hub-api.md 2.7 step 3).
struct FileMetadata {
  RepoRef repo;        // the repo, with the type that answered
  std::string commit;  // X-Repo-Commit: 40 lowercase hex digits
  // X-Linked-Etag, else ETag, without W/ and quotes: the LFS SHA-256 for files in LFS storage, the
  // git blob id otherwise. The cache names the blob after it; it is checked to be a safe file name.
  std::string etag;
  std::uint64_t size = 0;  // X-Linked-Size, else (no redirect) Content-Length
  // The absolute URL to GET the bytes from: the redirect's Location (a CDN, maybe presigned: log it
  // only through redact_url), else the resolve URL itself.
  std::string location;
  // The resolve URL redirected to storage elsewhere (an LFS or Xet file).
  bool redirected = false;
};

enum class KernelStatusKind { redirect };

// kernel-status.toml at the root of a kernel repo (reference/kernels-spec.md 7.6): the kernel moved
// to `destination`, and `revision` there replaces the revision the caller asked for.
struct KernelStatus {
  KernelStatusKind kind = KernelStatusKind::redirect;
  std::string destination;  // a checked repo id
  std::string revision = "main";
};

// GET /api/organizations/{org}/overview, the fields the tool uses.
struct OrgOverview {
  std::string name;
  // `trustedKernelPublisher`, with Python's truthiness (the reference's trust check).
  bool trusted_kernel_publisher = false;
};

}  // namespace kernels
