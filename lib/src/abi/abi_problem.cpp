#include "kernels/abi/abi_problem.hpp"

namespace kernels {

std::string_view to_string(AbiProblemKind kind) {
  switch (kind) {
    case AbiProblemKind::malformed:
      return "malformed";
    case AbiProblemKind::unsupported_format:
      return "unsupported_format";
    case AbiProblemKind::architecture:
      return "architecture";
    case AbiProblemKind::symbol_version:
      return "symbol_version";
    case AbiProblemKind::library:
      return "library";
    case AbiProblemKind::python_abi_too_new:
      return "python_abi_too_new";
    case AbiProblemKind::python_not_stable_abi:
      return "python_not_stable_abi";
    case AbiProblemKind::macos_too_new:
      return "macos_too_new";
    case AbiProblemKind::macos_missing:
      return "macos_missing";
    case AbiProblemKind::layout:
      return "layout";
  }
  return "malformed";
}

}  // namespace kernels
