#pragma once

// Private: how error messages name the type of a JSON value ("expected a string, found null"),
// for both nlohmann::json and nlohmann::ordered_json.

#include <string>

namespace kernels::detail {

template <class Json>
[[nodiscard]] std::string json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::null:
      return "null";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

}  // namespace kernels::detail
