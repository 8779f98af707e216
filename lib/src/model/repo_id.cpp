#include "kernels/model/repo_id.hpp"

#include <string>

namespace kernels {
namespace {

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// Appending rather than "'" + ... + "'" avoids GCC 12's false -Wrestrict at -O3 (PR 105329).
std::string quoted(std::string_view text) {
  std::string out = "'";
  out += text;
  out += '\'';
  return out;
}

// Checks one side of the `/`; `what` is "namespace" or "name" for the message.
Result<void> validate_part(std::string_view repo_id, std::string_view part, std::string_view what) {
  if (part.empty()) {
    return fail(ErrorCode::invalid_input, "invalid repo id " + quoted(repo_id) + ": the " +
                                              std::string(what) +
                                              " is empty; expected the form 'org/name'");
  }
  for (const char c : part) {
    if (!is_id_char(c)) {
      return fail(ErrorCode::invalid_input,
                  "invalid repo id " + quoted(repo_id) + ": character " +
                      quoted(std::string(1, c)) +
                      " is not allowed; use only letters, digits, '-', '_' and '.'");
    }
  }
  const char first = part.front();
  const char last = part.back();
  if (first == '-' || first == '.' || last == '-' || last == '.') {
    return fail(ErrorCode::invalid_input, "invalid repo id " + quoted(repo_id) + ": the " +
                                              std::string(what) +
                                              " must not start or end with '-' or '.'");
  }
  return {};
}

}  // namespace

Result<void> validate_repo_id(std::string_view repo_id) {
  if (repo_id.empty()) {
    return fail(ErrorCode::invalid_input, "the repo id is empty; expected the form 'org/name'");
  }
  if (repo_id.size() > kMaxRepoIdLength) {
    return fail(ErrorCode::invalid_input, "invalid repo id " + quoted(repo_id) + ": it has " +
                                              std::to_string(repo_id.size()) +
                                              " characters, the Hub allows at most " +
                                              std::to_string(kMaxRepoIdLength));
  }
  const auto slash = repo_id.find('/');
  if (slash == std::string_view::npos) {
    return fail(ErrorCode::invalid_input,
                "invalid repo id " + quoted(repo_id) +
                    ": expected the form 'org/name' (a namespace, '/', and a name)");
  }
  if (repo_id.find('/', slash + 1) != std::string_view::npos) {
    return fail(ErrorCode::invalid_input,
                "invalid repo id " + quoted(repo_id) +
                    ": it has more than one '/'; expected the form 'org/name'");
  }
  if (auto ok = validate_part(repo_id, repo_id.substr(0, slash), "namespace"); !ok) return ok;
  if (auto ok = validate_part(repo_id, repo_id.substr(slash + 1), "name"); !ok) return ok;
  if (repo_id.find("--") != std::string_view::npos ||
      repo_id.find("..") != std::string_view::npos) {
    return fail(ErrorCode::invalid_input, "invalid repo id " + quoted(repo_id) +
                                              ": '--' and '..' are not allowed in repo ids");
  }
  if (repo_id.ends_with(".git")) {
    return fail(ErrorCode::invalid_input,
                "invalid repo id " + quoted(repo_id) + ": a repo name must not end with '.git'");
  }
  return {};
}

Result<void> validate_revision(std::string_view revision) {
  if (revision.empty()) {
    return fail(ErrorCode::invalid_input,
                "the revision is empty; give a branch, tag or commit sha (for example 'main')");
  }
  for (const char c : revision) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return fail(ErrorCode::invalid_input,
                  "invalid revision " + quoted(revision) +
                      ": it contains whitespace or a control character; give a branch, tag or "
                      "commit sha");
    }
  }
  return {};
}

}  // namespace kernels
