#include "kernels/model/repo_type.hpp"

#include <string>

namespace kernels {

std::string_view to_string(RepoType type) {
  switch (type) {
    case RepoType::kernel:
      return "kernel";
    case RepoType::model:
      return "model";
  }
  return "kernel";
}

Result<RepoType> parse_repo_type(std::string_view text) {
  if (text == "kernel") return RepoType::kernel;
  if (text == "model") return RepoType::model;
  return fail(ErrorCode::invalid_input,
              "unknown repo type '" + std::string(text) + "'; expected 'kernel' or 'model'");
}

}  // namespace kernels
