#include <stdexcept>
#include <string>

#include "kernels/torch/kernel_layer.hpp"

namespace kernels::torch {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  return text;
}

SignatureType type_named(std::string_view name, std::string_view signature) {
  if (name == "Tensor") return SignatureType::tensor;
  if (name == "float") return SignatureType::floating;
  if (name == "int") return SignatureType::integer;
  if (name == "bool") return SignatureType::boolean;
  throw std::invalid_argument("layer signature " + std::string(signature) + ": unknown type `" +
                              std::string(name) + "` (known: Tensor, float, int, bool)");
}

}  // namespace

ForwardType parse_forward_signature(std::string_view signature) {
  const auto open = signature.find('(');
  const auto close = signature.find(')');
  const auto arrow = signature.find("->");
  if (open != 0 || close == std::string_view::npos || arrow == std::string_view::npos ||
      arrow < close) {
    throw std::invalid_argument("layer signature `" + std::string(signature) +
                                "` is not of the form \"(Tensor x, float eps) -> Tensor\"");
  }
  ForwardType type;
  std::string_view arguments = signature.substr(1, close - 1);
  while (!trim(arguments).empty()) {
    const auto comma = arguments.find(',');
    const std::string_view argument = trim(arguments.substr(0, comma));
    const auto space = argument.find(' ');
    if (space == std::string_view::npos || trim(argument.substr(space)).empty()) {
      throw std::invalid_argument("layer signature `" + std::string(signature) + "`: argument `" +
                                  std::string(argument) + "` needs a type and a name");
    }
    type.arguments.push_back(type_named(argument.substr(0, space), signature));
    if (comma == std::string_view::npos) break;
    arguments.remove_prefix(comma + 1);
  }
  type.result = type_named(trim(signature.substr(arrow + 2)), signature);
  return type;
}

}  // namespace kernels::torch
