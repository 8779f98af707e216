#include <doctest/doctest.h>

#include "kernels/abi/elf_reader.hpp"
#include "kernels/abi/manylinux_policy.hpp"
#include "kernels/abi/python_stable_abi.hpp"

using kernels::AbiProblemKind;
using kernels::ElfInfo;
using kernels::ManylinuxPolicies;
using kernels::PythonStableAbi;
using kernels::PythonVersion;

namespace {

ElfInfo elf_with(std::vector<kernels::ElfImportedSymbol> imports,
                 std::vector<std::string> needed = {"libc.so.6"}) {
  ElfInfo elf;
  elf.machine = "x86_64";
  elf.is_64bit = true;
  elf.needed = std::move(needed);
  for (const auto& symbol : imports)
    elf.version_needs.push_back({symbol.library, symbol.version});
  elf.imported_symbols = std::move(imports);
  return elf;
}

}  // namespace

TEST_CASE("abi manylinux: the built-in policies parse, with aliases") {
  const auto policies = ManylinuxPolicies::builtin();
  REQUIRE_MESSAGE(policies, (policies ? "" : policies.error().message));
  REQUIRE(policies->find("manylinux_2_28") != nullptr);
  CHECK(policies->find("manylinux2014") == policies->find("manylinux_2_17"));
  CHECK(policies->find("manylinux_9_99") == nullptr);
  const auto& policy = *policies->find("manylinux_2_28");
  CHECK(policies->highest_allowed(policy, "x86_64", "GLIBC") == "2.28");
  CHECK(policies->highest_allowed(policy, "x86_64", "GLIBCXX") == "3.4.24");
  CHECK(policies->highest_allowed(policy, "x86_64", "CXXABI") == "1.3.11");
  CHECK(policies->highest_allowed(policy, "x86_64", "GCC") == "7.0.0");
}

TEST_CASE("abi manylinux: a newer glibc symbol breaks manylinux_2_28 and fits manylinux_2_34") {
  const auto policies = *ManylinuxPolicies::builtin();
  const ElfInfo elf = elf_with({{"strlen", "GLIBC_2.2.5", "libc.so.6"},
                                {"dlopen", "GLIBC_2.34", "libc.so.6"},
                                {"stat64", "GLIBC_2.33", "libc.so.6"}});
  const auto problems = check_manylinux(elf, *policies.find("manylinux_2_28"), policies);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].kind == AbiProblemKind::symbol_version);
  CHECK(problems[0].subject == "dlopen");
  CHECK(problems[0].version == "GLIBC_2.34");
  CHECK(problems[0].message == "dlopen needs GLIBC_2.34 (manylinux_2_28 allows GLIBC up to 2.28)");
  CHECK(problems[1].subject == "stat64");
  CHECK(check_manylinux(elf, *policies.find("manylinux_2_34"), policies).empty());
}

TEST_CASE("abi manylinux: libraries outside the policy, framework libraries excepted") {
  const auto policies = *ManylinuxPolicies::builtin();
  const ElfInfo elf = elf_with({}, {"libc.so.6", "libstdc++.so.6", "libssl.so.3", "libtorch.so",
                                    "libcudart.so.12", "ld-linux-x86-64.so.2"});
  const auto problems = check_manylinux(elf, *policies.find("manylinux_2_28"), policies);
  std::string subjects;
  for (const auto& problem : problems)
    subjects += problem.subject + " ";
  CAPTURE(subjects);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].kind == AbiProblemKind::library);
  CHECK(problems[0].subject == "libssl.so.3");
}

TEST_CASE("abi manylinux: unknown prefixes and the loader pass; non-numeric versions do not") {
  const auto policies = *ManylinuxPolicies::builtin();
  ElfInfo elf = elf_with({{"cudaMalloc", "libcudart.so.12", "libcudart.so.12"},
                          {"__tls_get_addr", "GLIBC_2.99", "ld-linux-x86-64.so.2"},
                          {"secret", "GLIBC_PRIVATE", "libc.so.6"}});
  elf.needed = {};
  const auto problems = check_manylinux(elf, *policies.find("manylinux_2_28"), policies);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].subject == "secret");
}

TEST_CASE("abi manylinux: a requirement no symbol uses is still judged") {
  const auto policies = *ManylinuxPolicies::builtin();
  ElfInfo elf = elf_with({});
  elf.version_needs = {{"libstdc++.so.6", "GLIBCXX_3.4.30"}};
  const auto problems = check_manylinux(elf, *policies.find("manylinux_2_28"), policies);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].subject == "libstdc++.so.6");
  CHECK(problems[0].version == "GLIBCXX_3.4.30");
}

TEST_CASE("abi manylinux: an architecture the policy does not cover") {
  const auto policies = *ManylinuxPolicies::builtin();
  ElfInfo elf = elf_with({});
  elf.machine = "aarch64";
  const auto problems = check_manylinux(elf, *policies.find("manylinux_2_5"), policies);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].kind == AbiProblemKind::architecture);
  CHECK(check_manylinux(elf, *policies.find("manylinux_2_17"), policies).empty());
}

TEST_CASE("abi manylinux: malformed policy data is an error, not an exception") {
  CHECK_FALSE(ManylinuxPolicies::parse("[]"));
  CHECK_FALSE(ManylinuxPolicies::parse("{\"policies\": [{\"name\": 1}]}"));
  CHECK_FALSE(ManylinuxPolicies::parse("not json"));
}

TEST_CASE("abi python: the stable ABI table, too-new and non-abi3 symbols") {
  const auto abi = PythonStableAbi::builtin();
  REQUIRE(abi);
  CHECK(abi->size() > 900);
  CHECK(abi->added("PyModule_GetNameObject") == PythonVersion{3, 7});
  CHECK(abi->added("PyArg_ParseTuple") == PythonVersion{3, 2});
  CHECK_FALSE(abi->added("_PyLong_Sign"));

  const std::vector<std::string> imports = {"PyModule_GetNameObject", "PyArg_ParseTuple",
                                            "_PyLong_Sign", "memcpy", "PyModule_GetNameObject"};
  CHECK(check_python_abi(imports, *abi, PythonVersion{3, 8}).size() == 1);
  const auto problems = check_python_abi(imports, *abi, PythonVersion{3, 5});
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].kind == AbiProblemKind::python_abi_too_new);
  CHECK(problems[0].subject == "PyModule_GetNameObject");
  CHECK(problems[0].version == "3.7");
  CHECK(problems[1].kind == AbiProblemKind::python_not_stable_abi);
  CHECK(problems[1].subject == "_PyLong_Sign");
}

TEST_CASE("abi python: versions and table lines are validated") {
  CHECK(kernels::parse_python_version("3.9") == PythonVersion{3, 9});
  CHECK_FALSE(kernels::parse_python_version("2.7"));
  CHECK_FALSE(kernels::parse_python_version("3"));
  CHECK_FALSE(kernels::parse_python_version("3.x"));
  CHECK_FALSE(PythonStableAbi::parse("PyFoo\n"));
  CHECK(PythonStableAbi::parse("# comment\nPyFoo 3.4\n")->added("PyFoo") == PythonVersion{3, 4});
}
