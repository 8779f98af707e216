#include <doctest/doctest.h>

#include "kernels/exit_code.hpp"

TEST_CASE("cli: every error kind maps to the exit code of DESIGN.md") {
  using kernels::ErrorCode;
  using kernels::exit_code_for;
  using kernels::to_int;
  CHECK(to_int(exit_code_for(ErrorCode::failure)) == 1);
  CHECK(to_int(exit_code_for(ErrorCode::invalid_input)) == 1);
  CHECK(to_int(exit_code_for(ErrorCode::io)) == 1);
  CHECK(to_int(exit_code_for(ErrorCode::not_implemented)) == 1);
  CHECK(to_int(exit_code_for(ErrorCode::usage)) == 2);
  CHECK(to_int(exit_code_for(ErrorCode::lock_out_of_date)) == 3);
  CHECK(to_int(exit_code_for(ErrorCode::integrity)) == 4);
  CHECK(to_int(exit_code_for(ErrorCode::network)) == 5);
  CHECK(to_int(exit_code_for(ErrorCode::not_found)) == 6);
}
