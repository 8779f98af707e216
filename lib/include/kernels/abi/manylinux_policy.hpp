#pragma once

// The manylinux policies (PEP 600) as auditwheel defines them (lib/data/abi/README.md): per policy
// the libraries a wheel may link against and, per architecture, the symbol versions it may require.
// The check follows auditwheel's rule: a requirement PREFIX_VERSION (GLIBC_2.34) breaks a policy
// when the policy restricts PREFIX on that architecture and does not list VERSION; version
// requirements on the dynamic loader (ld-linux*, ld64.so.*) are not judged.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/abi/abi_problem.hpp"
#include "kernels/abi/elf_reader.hpp"
#include "kernels/error.hpp"

namespace kernels {

struct ManylinuxPolicy {
  std::string name;                    // manylinux_2_28
  std::vector<std::string> aliases;    // manylinux2014 for manylinux_2_17
  std::vector<std::string> archs;      // architectures it covers
  std::vector<std::string> libraries;  // sonames it allows (libc.so.6, libstdc++.so.6, ...)
  std::size_t index = 0;               // position in the list, oldest first
};

class ManylinuxPolicies {
 public:
  // The policies compiled into the library.
  [[nodiscard]] static Result<ManylinuxPolicies> builtin();
  // Parses the format of lib/data/abi/manylinux-policy.json.
  [[nodiscard]] static Result<ManylinuxPolicies> parse(std::string_view json_text);

  // By name or alias; nullptr when there is none.
  [[nodiscard]] const ManylinuxPolicy* find(std::string_view name) const;
  [[nodiscard]] const std::vector<ManylinuxPolicy>& all() const { return policies_; }

  // Whether `policy` restricts versions of `prefix` (GLIBC, GLIBCXX, ...) on `arch`.
  [[nodiscard]] bool restricts(const ManylinuxPolicy& policy, std::string_view arch,
                               std::string_view prefix) const;
  [[nodiscard]] bool allows(const ManylinuxPolicy& policy, std::string_view arch,
                            std::string_view prefix, std::string_view version) const;
  // The highest numeric version of `prefix` that `policy` allows on `arch` ("" when none).
  [[nodiscard]] std::string highest_allowed(const ManylinuxPolicy& policy, std::string_view arch,
                                            std::string_view prefix) const;

 private:
  std::vector<ManylinuxPolicy> policies_;
  // arch -> prefix -> version -> index of the first policy that allows it.
  std::map<std::string,
           std::map<std::string, std::map<std::string, std::size_t, std::less<>>, std::less<>>,
           std::less<>>
      first_allowed_;
};

// Every problem of `elf` under `policy`: its machine not covered, each imported symbol whose
// version the policy does not allow (one problem per symbol), each version requirement no symbol
// uses that it does not allow, each needed library outside the policy's list (except the
// framework's and GPU runtime's own: libtorch*, libc10*, libcudart*, libamdhip64*, ...; and the
// dynamic loader). Sorted by
// kind, subject, version.
[[nodiscard]] std::vector<AbiProblem> check_manylinux(const ElfInfo& elf,
                                                      const ManylinuxPolicy& policy,
                                                      const ManylinuxPolicies& policies);

}  // namespace kernels
