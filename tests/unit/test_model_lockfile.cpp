#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "kernels/model/lockfile.hpp"

#include "scratch_dir.hpp"

using kernels::ErrorCode;
using kernels::LockedKernel;
using kernels::LockedVariant;
using kernels::Lockfile;
using kernels::VariantLock;
using kernels::testing::ScratchDir;

namespace {

const std::filesystem::path kReferenceLocks =
    std::filesystem::path(KERNELS_FIXTURES_DIR) / "reference-locks";

std::string hex64(char digit) {
  return std::string(64, digit);
}

}  // namespace

TEST_CASE("lockfile: every reference lockfile parses and re-serializes to the same bytes") {
  for (const char* folder :
       {"kernel_locking", "layer_locking", "v0.9.0-kernel_locking", "v0.9.0-layer_locking"}) {
    CAPTURE(folder);
    const std::string original = ScratchDir::read(kReferenceLocks / folder / "kernels.lock");
    const auto lockfile = kernels::parse_lockfile(original);
    REQUIRE_MESSAGE(lockfile.has_value(), lockfile.error().describe());
    CHECK_FALSE(lockfile->kernels.empty());
    CHECK(kernels::serialize_lockfile(*lockfile) == original);
  }
}

TEST_CASE("lockfile: the reference lock keeps kernel and variant order") {
  const auto lockfile = kernels::parse_lockfile(
      ScratchDir::read(kReferenceLocks / "kernel_locking" / "kernels.lock"));
  REQUIRE(lockfile.has_value());
  REQUIRE(lockfile->kernels.size() == 2);
  const LockedKernel& relu = lockfile->kernels[0];
  CHECK(relu.repo_id == "kernels-community/relu");
  CHECK(relu.sha == "d649efb56fb249ac8f7a57fa1866728ad0c60e52");
  REQUIRE(relu.variants.size() == 52);
  CHECK(relu.variants.front().name == "torch210-cpu-aarch64-darwin");
  CHECK(relu.variants[1].name == "torch210-cxx11-cpu-aarch64-linux");
  CHECK(relu.variants.back().name == "torch213-metal-aarch64-darwin");
  CHECK(relu.variants.back().lock.hash ==
        "sha256-9c67ea09f557711e33ec5b82a8cb39df6be3892ca2da4f92aceee457dacb9d74");
  CHECK(relu.variants.back().lock.hash_type == "git_lfs_concat");
  CHECK(lockfile->kernels[1].repo_id == "kernels-test/versions");
}

TEST_CASE("lockfile: variants keep the file's order, not sorted order") {
  const std::string text = R"([
  {
    "repo_id": "org/k",
    "sha": ")" + std::string(40, 'a') +
                           R"(",
    "variants": {
      "torch-xpu": {
        "hash": "sha256-)" +
                           hex64('1') + R"(",
        "hash_type": "git_lfs_concat"
      },
      "torch-cpu": {
        "hash": "sha256-)" +
                           hex64('2') + R"(",
        "hash_type": "git_lfs_concat"
      }
    }
  }
])";
  const auto lockfile = kernels::parse_lockfile(text);
  REQUIRE_MESSAGE(lockfile.has_value(), lockfile.error().describe());
  REQUIRE(lockfile->kernels[0].variants.size() == 2);
  CHECK(lockfile->kernels[0].variants[0].name == "torch-xpu");
  CHECK(lockfile->kernels[0].variants[1].name == "torch-cpu");
  CHECK(kernels::serialize_lockfile(*lockfile) == text);
}

TEST_CASE("lockfile: find by repo id and variant by name") {
  Lockfile lockfile;
  lockfile.kernels.push_back(
      LockedKernel{"org/a",
                   std::string(40, 'a'),
                   {LockedVariant{"torch-cpu", VariantLock{"sha256-1", "x"}}},
                   std::nullopt});
  lockfile.kernels.push_back(LockedKernel{"org/b", std::string(40, 'b'), {}, std::nullopt});
  REQUIRE(lockfile.find("org/b") != nullptr);
  CHECK(lockfile.find("org/b")->sha == std::string(40, 'b'));
  CHECK(lockfile.find("org/c") == nullptr);
  CHECK(lockfile.find("ORG/A") == nullptr);
  lockfile.find("org/a")->sha = std::string(40, 'c');
  CHECK(lockfile.kernels[0].sha == std::string(40, 'c'));
  const LockedKernel& a = lockfile.kernels[0];
  REQUIRE(a.find_variant("torch-cpu") != nullptr);
  CHECK(a.find_variant("torch-cpu")->hash == "sha256-1");
  CHECK(a.find_variant("torch-cuda") == nullptr);
}

TEST_CASE("lockfile: serializes like json.dumps(indent=2), empty containers included") {
  CHECK(kernels::serialize_lockfile(Lockfile{}) == "[]");
  Lockfile lockfile;
  lockfile.kernels.push_back(LockedKernel{"org/empty", std::string(40, '0'), {}, std::nullopt});
  lockfile.kernels.push_back(LockedKernel{
      "org/one",
      std::string(40, '1'),
      {LockedVariant{"torch-cpu", VariantLock{"sha256-" + hex64('f'), "git_lfs_concat"}}},
      std::nullopt});
  const std::string expected =
      "[\n"
      "  {\n"
      "    \"repo_id\": \"org/empty\",\n"
      "    \"sha\": \"" +
      std::string(40, '0') +
      "\",\n"
      "    \"variants\": {}\n"
      "  },\n"
      "  {\n"
      "    \"repo_id\": \"org/one\",\n"
      "    \"sha\": \"" +
      std::string(40, '1') +
      "\",\n"
      "    \"variants\": {\n"
      "      \"torch-cpu\": {\n"
      "        \"hash\": \"sha256-" +
      hex64('f') +
      "\",\n"
      "        \"hash_type\": \"git_lfs_concat\"\n"
      "      }\n"
      "    }\n"
      "  }\n"
      "]";
  CHECK(kernels::serialize_lockfile(lockfile) == expected);
  // And it reads back to the same value.
  const auto parsed = kernels::parse_lockfile(expected);
  REQUIRE_MESSAGE(parsed.has_value(), parsed.error().describe());
  CHECK(*parsed == lockfile);
}

TEST_CASE("lockfile: strings are escaped as Python's ensure_ascii does") {
  Lockfile lockfile;
  // 'é' (2 bytes), '€' (3 bytes), U+1F600 (4 bytes: a surrogate pair), DEL, a quote, a backslash,
  // control characters with short and long escapes, '/' (not escaped by Python).
  const std::string name = "t\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80-\x7f-\"-\\-\n\t\r\b\f\x01-/";
  lockfile.kernels.push_back(LockedKernel{
      "org/x", "sha", {LockedVariant{name, VariantLock{"h", "git_lfs_concat"}}}, std::nullopt});
  const std::string text = kernels::serialize_lockfile(lockfile);
  CHECK(text.find(R"("t\u00e9-\u20ac-\ud83d\ude00-\u007f-\"-\\-\n\t\r\b\f\u0001-/": {)") !=
        std::string::npos);
  // Invalid UTF-8 cannot be written as Python would; it becomes U+FFFD.
  lockfile.kernels[0].variants[0].name = "bad\xff\xc3";
  CHECK(kernels::serialize_lockfile(lockfile).find(R"("bad\ufffd\ufffd")") != std::string::npos);
}

TEST_CASE("lockfile: non-ASCII variant names survive a parse and re-serialization") {
  const std::string text = R"([
  {
    "repo_id": "org/k",
    "sha": ")" + std::string(40, 'a') +
                           R"(",
    "variants": {
      "torch-\u00e9\ud83d\ude00": {
        "hash": "sha256-)" +
                           hex64('1') + R"(",
        "hash_type": "git_lfs_concat"
      }
    }
  }
])";
  const auto lockfile = kernels::parse_lockfile(text);
  REQUIRE_MESSAGE(lockfile.has_value(), lockfile.error().describe());
  CHECK(lockfile->kernels[0].variants[0].name == "torch-\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(kernels::serialize_lockfile(*lockfile) == text);
}

TEST_CASE("lockfile: lockfile_path is kernels.lock in the project directory") {
  CHECK(kernels::lockfile_path("proj") == std::filesystem::path("proj") / "kernels.lock");
}

TEST_CASE("lockfile: read_lockfile reads a file and names it in errors") {
  const ScratchDir dir;
  const auto file = dir.path() / "kernels.lock";

  const auto missing = kernels::read_lockfile(file);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find("No kernels.lock file found in: " + dir.path().string()) !=
        std::string::npos);
  CHECK(missing.error().message.find("kernels lock") != std::string::npos);

  dir.write("kernels.lock", ScratchDir::read(kReferenceLocks / "layer_locking" / "kernels.lock"));
  const auto good = kernels::read_lockfile(file);
  REQUIRE_MESSAGE(good.has_value(), good.error().describe());
  CHECK(good->kernels.size() == 1);

  dir.write("kernels.lock", R"([{"repo_id": "org/x", "sha": "abc", "variants": {}}])");
  const auto bad = kernels::read_lockfile(file);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::invalid_input);
  CHECK(bad.error().location == file.string() + ": $[0].sha");
  CHECK(bad.error().message.find("40 lowercase hex") != std::string::npos);

  dir.write("kernels.lock", "[\n  {]");
  const auto syntax = kernels::read_lockfile(file);
  REQUIRE_FALSE(syntax.has_value());
  CHECK(syntax.error().location == file.string() + ":2:4");

  const auto directory = kernels::read_lockfile(dir.path());
  REQUIRE_FALSE(directory.has_value());
  CHECK(directory.error().code == ErrorCode::io);
  CHECK(directory.error().message.find("directory") != std::string::npos);
}

TEST_CASE("lockfile: read_lockfile refuses a file over the size limit without parsing it") {
  const ScratchDir dir;
  const auto file = dir.path() / "kernels.lock";
  dir.write("kernels.lock", "[]");
  std::filesystem::resize_file(file, kernels::kMaxLockfileBytes + 1);
  const auto result = kernels::read_lockfile(file);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_input);
  CHECK(result.error().location == file.string());
  CHECK(result.error().message.find("larger than 64 MiB") != std::string::npos);
}
