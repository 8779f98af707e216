#pragma once

// Python's stable ABI (abi3): which C-API symbols it holds and the Python version that added each
// (CPython's Misc/stable_abi.toml, lib/data/abi/README.md).

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/abi/abi_problem.hpp"
#include "kernels/error.hpp"

namespace kernels {

struct PythonVersion {
  std::uint32_t major = 3;
  std::uint32_t minor = 0;
  friend constexpr auto operator<=>(const PythonVersion&, const PythonVersion&) = default;
};

// "3.9" (major.minor, both numbers).
[[nodiscard]] Result<PythonVersion> parse_python_version(std::string_view text);
[[nodiscard]] std::string to_string(PythonVersion version);

class PythonStableAbi {
 public:
  [[nodiscard]] static Result<PythonStableAbi> builtin();
  // Lines "NAME MAJOR.MINOR"; '#' starts a comment line.
  [[nodiscard]] static Result<PythonStableAbi> parse(std::string_view text);

  // The version that added `symbol` to the stable ABI; nothing when it is not part of it.
  [[nodiscard]] std::optional<PythonVersion> added(std::string_view symbol) const;
  [[nodiscard]] std::size_t size() const { return added_.size(); }

 private:
  std::map<std::string, PythonVersion, std::less<>> added_;
};

// The problems of an abi3 extension's imported symbols for Python `target`: a stable-ABI symbol
// added after `target` (python_abi_too_new), or a symbol named Py* / _Py* outside the stable ABI
// (python_not_stable_abi). Sorted, one problem per symbol.
[[nodiscard]] std::vector<AbiProblem> check_python_abi(const std::vector<std::string>& imported,
                                                       const PythonStableAbi& abi,
                                                       PythonVersion target);

}  // namespace kernels
