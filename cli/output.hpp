#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels::cli {

// The two output channels of the tool: results on stdout (text, or JSON with --json) and
// diagnostics on stderr. Commands print through this so that --json and -q behave the same
// everywhere.
class Output {
 public:
  Output(bool json, bool quiet, std::FILE* result_stream = stdout,
         std::FILE* diagnostic_stream = stderr);

  [[nodiscard]] bool json() const { return json_; }

  // A line of the human-readable result (ignored under --json).
  void line(std::string_view text) const;
  // The machine-readable result: one JSON document, printed only under --json.
  void json_document(std::string_view serialized_json) const;
  // A warning or note on stderr, silenced by -q.
  void note(std::string_view text) const;
  // The one line of a failure on stderr ("kernels: error: ..."), plus a JSON error object on
  // stdout under --json unless the command printed its result document already (a check that
  // found problems): stdout holds one JSON document, always.
  void error(const Error& error) const;

 private:
  bool json_;
  bool quiet_;
  std::FILE* result_stream_;
  std::FILE* diagnostic_stream_;
  mutable bool document_printed_ = false;
};

}  // namespace kernels::cli
