#include "kernels/hub/http.hpp"

#include "hub/response_parsing.hpp"

namespace kernels {

void HttpHeaders::add(std::string name, std::string value) {
  fields_.push_back(HttpHeaderField{std::move(name), std::move(value)});
}

std::optional<std::string_view> HttpHeaders::find(std::string_view name) const {
  for (const HttpHeaderField& field : fields_) {
    if (detail::equal_ignoring_ascii_case(field.name, name)) return std::string_view(field.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> HttpHeaders::find_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const HttpHeaderField& field : fields_) {
    if (detail::equal_ignoring_ascii_case(field.name, name)) values.emplace_back(field.value);
  }
  return values;
}

}  // namespace kernels
