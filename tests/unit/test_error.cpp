#include <doctest/doctest.h>

#include "kernels/error.hpp"

TEST_CASE("error: describe puts the location before the message") {
  const kernels::Error with_location{kernels::ErrorCode::invalid_input, "expected a string",
                                     "$[0].sha"};
  CHECK(with_location.describe() == "$[0].sha: expected a string");
  const kernels::Error without{kernels::ErrorCode::failure, "boom", ""};
  CHECK(without.describe() == "boom");
}

TEST_CASE("error: fail builds an unexpected Result") {
  const kernels::Result<int> result = kernels::fail(kernels::ErrorCode::not_found, "no such repo");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == kernels::ErrorCode::not_found);
  CHECK(kernels::to_string(result.error().code) == "not_found");
}
