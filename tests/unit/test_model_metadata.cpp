#include <string>

#include <doctest/doctest.h>

#include "kernels/model/metadata.hpp"

namespace {

// kernels-data's legacy-sha-provenance example (kernels-spec.md 9.2), digests shortened.
constexpr std::string_view kEinops = R"({"name":"einops","id":"_einops_cpu_d45adda",
"version":1,"license":"MIT","upstream":"https://github.com/arogozhnikov/einops.git","python-depends":[],
"backend":{"type":"cpu"},"digest":{"algorithm":"sha256","files":{"__init__.py":"Zi5U","experimental/indexing.py":"yFFf"}},
"provenance":{"kernel-builder":{"version":"0.17.0-dev0","sha":"d0610aa5","dirty":false},"kernel":{"sha":"d45adda","dirty":false}}})";

std::string with(std::string_view replace, std::string_view by) {
  std::string text(kEinops);
  const auto at = text.find(replace);
  REQUIRE(at != std::string::npos);
  return text.replace(at, replace.size(), by);
}

}  // namespace

TEST_CASE("metadata: the kernels-data example parses") {
  auto metadata = kernels::parse_metadata(kEinops);
  REQUIRE(metadata);
  CHECK(metadata->name == "einops");
  CHECK(metadata->id == "_einops_cpu_d45adda");
  CHECK(metadata->version == 1);
  CHECK(metadata->license == "MIT");
  CHECK(metadata->upstream == "https://github.com/arogozhnikov/einops.git");
  CHECK(metadata->python_depends.empty());
  CHECK(metadata->kernel_depends.empty());
  CHECK(metadata->backend.type == "cpu");
  REQUIRE(metadata->digest);
  CHECK(metadata->digest->algorithm == "sha256");
  CHECK(metadata->digest->files.at("experimental/indexing.py") == "yFFf");
}

TEST_CASE("metadata: kernel dependencies and noarch archs") {
  auto metadata = kernels::parse_metadata(with(
      R"("python-depends":[])",
      R"("python-depends":["einops"],"kernel-depends":[{"repo-id":"kernels-community/activation","version":1},{"repo-id":"org/x","revision":"main"}])"));
  REQUIRE(metadata);
  REQUIRE(metadata->kernel_depends.size() == 2);
  CHECK(metadata->kernel_depends[0].repo_id == "kernels-community/activation");
  CHECK(metadata->kernel_depends[0].requirement == kernels::Requirement{kernels::MajorVersion{1}});
  CHECK(metadata->kernel_depends[1].requirement == kernels::Requirement{kernels::Revision{"main"}});
  auto noarch = kernels::parse_metadata(
      with(R"({"type":"cpu"})", R"({"type":"cuda","archs":["8.0","9.0"]})"));
  REQUIRE(noarch);
  CHECK(noarch->backend.archs == std::vector<std::string>{"8.0", "9.0"});
}

TEST_CASE("metadata: malformed files name the field") {
  struct Case {
    std::string text;
    std::string location;
    std::string message;
  };
  const Case cases[] = {
      {"[]", "file.json: $", "expected a JSON object"},
      {"{", "file.json", "not valid JSON"},
      {with(R"("name":"einops",)", ""), "file.json: $", "\"name\""},
      {with(R"("name":"einops")", R"("name":"Einops")"), "file.json: $.name",
       "invalid kernel name"},
      {with(R"("version":1)", R"("version":"1")"), "file.json: $.version", "major version"},
      {with(R"({"type":"cpu"})", R"({"type":"gpu"})"), "file.json: $.backend.type",
       "unknown backend"},
      {with(R"("algorithm":"sha256")", R"("algorithm":"sha3-512")"),
       "file.json: $.digest.algorithm", "unsupported digest algorithm"},
      {with(R"("python-depends":[])", R"("python-depends":[1])"),
       "file.json: $[\"python-depends\"][0]", "expected a string"},
      {with(
           R"("python-depends":[])",
           R"("python-depends":[],"kernel-depends":[{"repo-id":"a/b","version":1,"revision":"x"}])"),
       "file.json: $[\"kernel-depends\"][0]", "exactly one"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    auto metadata = kernels::parse_metadata(c.text, "file.json");
    REQUIRE_FALSE(metadata);
    CHECK(metadata.error().code == kernels::ErrorCode::invalid_input);
    CHECK(metadata.error().location == c.location);
    CHECK(metadata.error().message.find(c.message) != std::string::npos);
  }
}
