#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/export.hpp"

namespace kernels {

// A snapshot of environment variables. The library never calls getenv(): whoever starts it (the
// CLI, the loader, a test) passes the environment in, so that tests can give any environment
// without touching the process's own.
class KERNELS_API Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string, std::less<>> variables)
      : variables_(std::move(variables)) {}

  // The variables of the running process (`environ`).
  [[nodiscard]] static Environment from_process();

  // The value, or nothing when the variable is unset. A variable set to "" is returned as "".
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  // The value when set and not empty.
  [[nodiscard]] std::optional<std::string> get_non_empty(std::string_view name) const;

  void set(std::string name, std::string value) { variables_[std::move(name)] = std::move(value); }
  void unset(std::string_view name);

 private:
  std::map<std::string, std::string, std::less<>> variables_;
};

}  // namespace kernels
