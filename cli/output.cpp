#include "output.hpp"

#include <nlohmann/json.hpp>

namespace kernels::cli {

Output::Output(bool json, bool quiet, std::FILE* result_stream, std::FILE* diagnostic_stream)
    : json_(json),
      quiet_(quiet),
      result_stream_(result_stream),
      diagnostic_stream_(diagnostic_stream) {}

void Output::line(std::string_view text) const {
  if (json_) return;
  std::fprintf(result_stream_, "%.*s\n", static_cast<int>(text.size()), text.data());
}

void Output::json_document(std::string_view serialized_json) const {
  if (!json_) return;
  document_printed_ = true;
  std::fprintf(result_stream_, "%.*s\n", static_cast<int>(serialized_json.size()),
               serialized_json.data());
}

void Output::note(std::string_view text) const {
  if (quiet_) return;
  std::fprintf(diagnostic_stream_, "kernels: %.*s\n", static_cast<int>(text.size()), text.data());
}

void Output::error(const Error& error) const {
  const std::string text = error.describe();
  std::fprintf(diagnostic_stream_, "kernels: error: %s\n", text.c_str());
  if (json_ && !document_printed_) {
    const nlohmann::json document = {{"error",
                                      {{"kind", std::string(to_string(error.code))},
                                       {"message", error.message},
                                       {"location", error.location}}}};
    json_document(document.dump(2));
  }
}

}  // namespace kernels::cli
