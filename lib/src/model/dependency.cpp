#include "kernels/model/dependency.hpp"

#include <type_traits>

namespace kernels {

std::string describe(const Requirement& requirement) {
  return std::visit(
      [](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, MajorVersion>) {
          const std::string number = std::to_string(value.number);
          return "version " + number + " (branch v" + number + ")";
        } else if constexpr (std::is_same_v<T, VersionSpecifier>) {
          return "version " + value.text;
        } else {
          return "revision " + value.name;
        }
      },
      requirement);
}

}  // namespace kernels
