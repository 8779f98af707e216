// Names typed by users or read from configs and servers: kernel references (the Transformers
// forms), repo ids, revisions, repository paths, URLs. An accepted repo id or path must be safe
// to join to a folder.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernels/hub/url.hpp"
#include "kernels/model/kernel_ref.hpp"
#include "kernels/model/repo_id.hpp"
#include "kernels/model/repo_path.hpp"

#include "fuzz_support.hpp"

namespace {

bool is_safe_component_list(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (part.find('\\') != std::string_view::npos || part.find('\0') != std::string_view::npos)
      return false;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  const auto [choice, text] = fuzz::select(fuzz::as_text(data, size), 4);
  switch (choice) {
    case 0: {
      auto ref = parse_kernel_ref(text);
      if (ref) {
        fuzz::require(validate_repo_id(ref->repo_id).has_value(),
                      "a parsed kernel reference has a valid repo id");
      }
      break;
    }
    case 1:
      if (validate_repo_id(text)) {
        fuzz::require(is_safe_component_list(text), "a valid repo id is a safe relative path");
      }
      (void)validate_revision(text);
      break;
    case 2:
      if (validate_repo_path(text)) {
        fuzz::require(is_safe_component_list(text), "a valid repository path is safe");
      }
      break;
    default: {
      (void)url_origin(text);
      (void)url_host_port(text);
      const auto split = text.find(' ');
      if (split != std::string_view::npos) {
        (void)resolve_url(text.substr(0, split), text.substr(split + 1));
      }
      break;
    }
  }
  return 0;
}
