#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kernels/model/repo_path.hpp"

using kernels::ErrorCode;
using kernels::validate_repo_path;

TEST_CASE("repo path: ordinary repository paths are accepted") {
  CHECK(validate_repo_path("README.md"));
  CHECK(validate_repo_path("build/torch28-cxx11-cu128-x86_64-linux/relu/_relu_abc.abi3.so"));
  CHECK(validate_repo_path(".gitattributes"));
  CHECK(validate_repo_path("a/..b/c.."));  // dots inside a name are fine
  CHECK(validate_repo_path("subfolder/to?/awful?filename%you:should,never.give"));
  CHECK(
      validate_repo_path("donn\xc3\xa9"
                         "es/\xe6\x97\xa5\xe6\x9c\xac.txt"));
}

TEST_CASE("repo path: escapes, absolute paths and odd bytes are refused") {
  const std::vector<std::string> paths = {
      "",     "/etc/passwd", "..",    "../x",    "a/../b",   "a/..",
      "./a",  "a/./b",       "a//b",  "a/",      "a\\b",     std::string("a\0b", 3),
      "a\nb", "a\rb",        "a\x7f", "bad\xff", "\xc0\xaf", "\xed\xa0\x80"};
  for (const std::string& path : paths) {
    const auto result = validate_repo_path(path);
    CHECK_MESSAGE(!result, path);
    if (!result) CHECK(result.error().code == ErrorCode::invalid_input);
  }
}

TEST_CASE("repo path: the error names the problem without echoing control characters") {
  const auto result = validate_repo_path("a\n../b");
  REQUIRE(!result);
  CHECK(result.error().message.find('\n') == std::string::npos);
  CHECK(result.error().message.find("control character") != std::string::npos);
}

TEST_CASE("repo path: an overlong path is refused") {
  CHECK(!validate_repo_path(std::string(kernels::kMaxRepoPathLength + 1, 'a')));
  CHECK(validate_repo_path(std::string(kernels::kMaxRepoPathLength, 'a')));
}

TEST_CASE("repo path: UTF-8 validation") {
  CHECK(kernels::is_valid_utf8(""));
  CHECK(kernels::is_valid_utf8("plain"));
  CHECK(kernels::is_valid_utf8("\xf0\x9f\x98\x80"));   // U+1F600
  CHECK(!kernels::is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK(!kernels::is_valid_utf8("\xe0\x80\xaf"));      // overlong '/'
  CHECK(!kernels::is_valid_utf8("\xe2\x82"));          // truncated
}
