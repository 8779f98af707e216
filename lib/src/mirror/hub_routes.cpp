#include "mirror/hub_routes.hpp"

#include <cstddef>

namespace kernels::mirror::detail {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string join(const std::vector<std::string>& parts, std::size_t first) {
  std::string joined;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i > first) joined += '/';
    joined += parts[i];
  }
  return joined;
}

std::map<std::string, std::string> parse_query(std::string_view query, bool& ok) {
  std::map<std::string, std::string> parameters;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t equals = pair.find('=');
      auto key = percent_decode(pair.substr(0, equals), true);
      auto value = percent_decode(
          equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1), true);
      if (!key || !value) {
        ok = false;
        return {};
      }
      parameters.emplace(std::move(*key), std::move(*value));
    }
    start = end + 1;
  }
  return parameters;
}

std::optional<HubRoute> match_api_route(const std::vector<std::string>& s) {
  const std::size_t n = s.size();
  if (n == 4 && s[1] == "organizations" && s[3] == "overview") {
    HubRoute route;
    route.kind = RouteKind::org_overview;
    route.org = s[2];
    return route;
  }
  if (n < 4 || (s[1] != "kernels" && s[1] != "models")) return std::nullopt;
  HubRoute route;
  route.type = s[1] == "kernels" ? RepoType::kernel : RepoType::model;
  route.repo_id = s[2] + "/" + s[3];
  route.revision = "main";
  if (n == 4) return route;
  if (s[4] == "revision" && n >= 6) {
    // The client encodes the revision as one segment; "refs/pr/1" sent raw is accepted too.
    route.revision = join(s, 5);
    return route;
  }
  if (s[4] == "refs" && n == 5) {
    route.kind = RouteKind::refs;
    return route;
  }
  if (s[4] == "tree" && n >= 6) {
    route.kind = RouteKind::tree;
    route.revision = s[5];
    route.path = join(s, 6);
    return route;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    decoded += c;
  }
  return decoded;
}

std::string percent_encode(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0x0F];
    }
  }
  return encoded;
}

std::optional<RequestTarget> split_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  const std::size_t question = target.find('?');
  RequestTarget parsed;
  parsed.raw_path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    bool ok = true;
    parsed.query = parse_query(target.substr(question + 1), ok);
    if (!ok) return std::nullopt;
  }
  const std::string_view path = std::string_view(parsed.raw_path).substr(1);
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    auto segment = percent_decode(path.substr(start, end - start));
    if (!segment) return std::nullopt;
    parsed.segments.push_back(std::move(*segment));
    start = end + 1;
  }
  // A trailing '/' ("tree/main/build/") names the same folder.
  while (parsed.segments.size() > 1 && parsed.segments.back().empty())
    parsed.segments.pop_back();
  return parsed;
}

std::optional<HubRoute> match_hub_route(const RequestTarget& target) {
  const std::vector<std::string>& s = target.segments;
  const std::size_t n = s.size();
  if (n >= 2 && s[0] == "api") return match_api_route(s);
  if (n >= 6 && s[0] == "kernels" && s[3] == "resolve") {
    HubRoute route;
    route.kind = RouteKind::resolve;
    route.type = RepoType::kernel;
    route.repo_id = s[1] + "/" + s[2];
    route.revision = s[4];
    route.path = join(s, 5);
    return route;
  }
  if (n >= 5 && s[2] == "resolve") {
    HubRoute route;
    route.kind = RouteKind::resolve;
    route.type = RepoType::model;
    route.repo_id = s[0] + "/" + s[1];
    route.revision = s[3];
    route.path = join(s, 4);
    return route;
  }
  return std::nullopt;
}

}  // namespace kernels::mirror::detail
