#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kernels/error.hpp"
#include "kernels/model/dependency.hpp"

namespace kernels {

// A kernel as a user types it on the command line (the Transformers forms):
//   org/repo                  any version (the caller decides what that means)
//   org/repo@1  org/repo@v1   MajorVersion{1}: the Hub branch `v1`, as the reference reads `@v1`
//   org/repo@v2.1.0           VersionSpecifier{"==2.1.0"}: a `v<N>.<N>[.<N>...]` tag, exactly
//   org/repo@>=2.0,<3.0       VersionSpecifier{">=2.0,<3.0"}: text starting with < > = ! or ~
//   org/repo@main             Revision{"main"}: anything else (branch, tag, commit sha)
//   org/repo:Layer            the layer `Layer` of the kernel
//   org/repo@spec:Layer       both
struct KernelRef {
  std::string repo_id;
  std::optional<Requirement> requirement;  // nothing after the repo id: no `@`
  std::optional<std::string> layer;        // nothing after the repo id: no `:`
  friend bool operator==(const KernelRef&, const KernelRef&) = default;
};

// Parses one kernel reference. Whitespace around the whole text and around each part is ignored.
// Errors are ErrorCode::invalid_input without a location (the caller knows which argument it was;
// the CLI reports them as usage errors).
[[nodiscard]] Result<KernelRef> parse_kernel_ref(std::string_view text);

}  // namespace kernels
