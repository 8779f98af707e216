#include <string>

#include <doctest/doctest.h>

#include "kernels/model/kernel_ref.hpp"

using kernels::ErrorCode;
using kernels::KernelRef;
using kernels::MajorVersion;
using kernels::parse_kernel_ref;
using kernels::Requirement;
using kernels::Revision;
using kernels::VersionSpecifier;

namespace {

KernelRef parsed(std::string_view text) {
  auto result = parse_kernel_ref(text);
  if (!result) FAIL("parse_kernel_ref(\"", std::string(text), "\"): ", result.error().message);
  return *result;
}

std::string error_of(std::string_view text) {
  const auto result = parse_kernel_ref(text);
  if (result) return {};
  CHECK(result.error().code == ErrorCode::invalid_input);
  return result.error().message;
}

}  // namespace

TEST_CASE("kernel ref: a bare repo id has no requirement and no layer") {
  const KernelRef ref = parsed("kernels-community/activation");
  CHECK(ref.repo_id == "kernels-community/activation");
  CHECK_FALSE(ref.requirement.has_value());
  CHECK_FALSE(ref.layer.has_value());
}

TEST_CASE("kernel ref: @<int> and @v<int> are major version branches") {
  CHECK(parsed("org/repo@1").requirement == Requirement{MajorVersion{1}});
  CHECK(parsed("org/repo@v3").requirement == Requirement{MajorVersion{3}});
  CHECK(parsed("org/repo@0").requirement == Requirement{MajorVersion{0}});
  CHECK(error_of("org/repo@99999999999").find("too large") != std::string::npos);
}

TEST_CASE("kernel ref: @v<x.y.z> is an exact version") {
  CHECK(parsed("org/repo@v2.1.0").requirement == Requirement{VersionSpecifier{"==2.1.0"}});
  CHECK(parsed("org/repo@v0.1").requirement == Requirement{VersionSpecifier{"==0.1"}});
}

TEST_CASE("kernel ref: text starting with an operator is a specifier, kept raw") {
  CHECK(parsed("org/repo@>=2.0,<3.0").requirement == Requirement{VersionSpecifier{">=2.0,<3.0"}});
  CHECK(parsed("org/repo@~=1.2").requirement == Requirement{VersionSpecifier{"~=1.2"}});
  CHECK(parsed("org/repo@==1.2.*").requirement == Requirement{VersionSpecifier{"==1.2.*"}});
  CHECK(parsed("org/repo@!=1.0").requirement == Requirement{VersionSpecifier{"!=1.0"}});
  CHECK(parsed("org/repo@<2").requirement == Requirement{VersionSpecifier{"<2"}});
}

TEST_CASE("kernel ref: anything else after @ is a revision") {
  CHECK(parsed("org/repo@main").requirement == Requirement{Revision{"main"}});
  CHECK(parsed("org/repo@f609e51b856b3d874b0ae8445913e200f02c1735").requirement ==
        Requirement{Revision{"f609e51b856b3d874b0ae8445913e200f02c1735"}});
  CHECK(parsed("org/repo@v1.0.0-rc1").requirement == Requirement{Revision{"v1.0.0-rc1"}});
  CHECK(parsed("org/repo@1.2.3").requirement == Requirement{Revision{"1.2.3"}});
  CHECK(parsed("org/repo@v").requirement == Requirement{Revision{"v"}});
}

TEST_CASE("kernel ref: :Layer names a layer, with or without a requirement") {
  const KernelRef layer_only = parsed("kernels-community/activation:SiluAndMul");
  CHECK(layer_only.repo_id == "kernels-community/activation");
  CHECK(layer_only.layer == "SiluAndMul");
  CHECK_FALSE(layer_only.requirement.has_value());

  const KernelRef both = parsed(" org/repo@>=2.0,<3.0 : RMSNorm ");
  CHECK(both == KernelRef{"org/repo", VersionSpecifier{">=2.0,<3.0"}, "RMSNorm"});
  CHECK(parsed("org/repo@main:Fast_Layer2").requirement == Requirement{Revision{"main"}});
}

TEST_CASE("kernel ref: malformed references say what is wrong") {
  CHECK(error_of("").find("the kernel reference is empty") != std::string::npos);
  CHECK(error_of("   ").find("the kernel reference is empty") != std::string::npos);
  CHECK(error_of("org/repo@").find("nothing follows '@'") != std::string::npos);
  CHECK(error_of("org/repo@:Layer").find("nothing follows '@'") != std::string::npos);
  CHECK(error_of("org/repo:").find("is not a layer name") != std::string::npos);
  CHECK(error_of("org/repo:1Layer").find("is not a layer name") != std::string::npos);
  CHECK(error_of("org/repo:A:B").find("is not a layer name") != std::string::npos);
  CHECK(error_of("repo@main").find("expected the form 'org/name'") != std::string::npos);
  CHECK(error_of("a/b/c:Layer").find("more than one '/'") != std::string::npos);
  CHECK(error_of("org/repo@my branch").find("whitespace") != std::string::npos);
  CHECK(error_of("@main").find("invalid kernel reference '@main'") != std::string::npos);
}
