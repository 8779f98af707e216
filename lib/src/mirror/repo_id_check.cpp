#include "mirror/repo_id_check.hpp"

#include <algorithm>
#include <string>

#include "kernels/model/repo_id.hpp"

#include "util/ascii.hpp"

namespace kernels::mirror::detail {
namespace {

bool is_id_char(char c) {
  return ascii::is_alnum(c) || c == '-' || c == '_' || c == '.';
}

}  // namespace

Result<void> check_repo_id_part(std::string_view part, std::string_view what) {
  const auto invalid = [&](std::string_view why) {
    return fail(ErrorCode::invalid_input, "invalid " + std::string(what) + " '" +
                                              std::string(part.substr(0, 100)) +
                                              "': " + std::string(why));
  };
  if (part.empty()) return invalid("it is empty");
  if (part.size() > 96) return invalid("it is longer than 96 characters");
  if (!std::all_of(part.begin(), part.end(), is_id_char)) {
    return invalid("only letters, digits, '-', '_' and '.' are allowed");
  }
  if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.') {
    return invalid("it must not start or end with '-' or '.'");
  }
  if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos) {
    return invalid("'--' and '..' are not allowed");
  }
  return {};
}

Result<void> check_repo_id(std::string_view repo_id) {
  return validate_repo_id(repo_id);
}

}  // namespace kernels::mirror::detail
