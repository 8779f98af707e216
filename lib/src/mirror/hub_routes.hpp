#pragma once

// Request targets of the Hub API: split, percent-decoded segment by segment (a revision such as
// "refs%2Fheads%2Fv1" is one segment), and matched against the routes HubApi serves.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/mirror/store.hpp"

namespace kernels::mirror::detail {

// Decodes %XX escapes; nothing on a malformed escape or a NUL byte. With `plus_is_space`
// (query strings), '+' decodes to ' '.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text,
                                                        bool plus_is_space = false);
// Escapes everything but A-Z a-z 0-9 - . _ ~ (Python's quote(text, safe="")).
[[nodiscard]] std::string percent_encode(std::string_view text);

struct RequestTarget {
  std::string raw_path;                      // as received, escapes intact
  std::vector<std::string> segments;         // decoded, without the leading empty one
  std::map<std::string, std::string> query;  // decoded; the first of repeated keys wins
};

// Nothing when the target is not origin-form ("/...") or has a malformed escape.
[[nodiscard]] std::optional<RequestTarget> split_target(std::string_view target);

enum class RouteKind { repo_info, refs, tree, resolve, org_overview };

struct HubRoute {
  RouteKind kind = RouteKind::repo_info;
  RepoType type = RepoType::kernel;
  std::string repo_id;   // "org/name" as given, not yet validated
  std::string org;       // org_overview only
  std::string revision;  // "main" when the route names none
  std::string path;      // tree: the folder ("" for the root); resolve: the file
};

// The route a target names, or nothing (404).
[[nodiscard]] std::optional<HubRoute> match_hub_route(const RequestTarget& target);

}  // namespace kernels::mirror::detail
