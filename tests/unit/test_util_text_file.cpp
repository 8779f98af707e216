#include <filesystem>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "kernels/util/text_file.hpp"

#include "scratch_dir.hpp"

namespace {

std::filesystem::path write(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("text file: reads the whole content, empty and exact-size files included") {
  kernels::testing::ScratchDir dir;
  CHECK(kernels::read_text_file(write(dir.path() / "empty", ""), 10) == std::string());
  CHECK(kernels::read_text_file(write(dir.path() / "ten", "0123456789"), 10) ==
        std::string("0123456789"));
  const std::string large(200'000, 'x');  // several reads
  CHECK(kernels::read_text_file(write(dir.path() / "large", large), large.size()) == large);
}

TEST_CASE("text file: one byte over the limit is refused, naming the limit and the path") {
  kernels::testing::ScratchDir dir;
  const auto path = write(dir.path() / "eleven", "0123456789a");
  auto text = kernels::read_text_file(path, 10);
  REQUIRE_FALSE(text);
  CHECK(text.error().code == kernels::ErrorCode::invalid_input);
  CHECK(text.error().message.find("10 bytes") != std::string::npos);
  CHECK(text.error().location == path.string());
}

TEST_CASE("text file: a missing file is not_found, a folder is an io error") {
  kernels::testing::ScratchDir dir;
  auto missing = kernels::read_text_file(dir.path() / "missing", 10);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == kernels::ErrorCode::not_found);
  auto below_a_file = kernels::read_text_file(write(dir.path() / "f", "x") / "child", 10);
  REQUIRE_FALSE(below_a_file);
  CHECK(below_a_file.error().code == kernels::ErrorCode::not_found);
  auto folder = kernels::read_text_file(dir.path(), 10);
  REQUIRE_FALSE(folder);
  CHECK(folder.error().code == kernels::ErrorCode::io);
  CHECK(folder.error().message.find("directory") != std::string::npos);
}
