#include "man_include.hpp"

#include <sstream>
#include <string_view>

namespace kernels::cli {
namespace {

// Text shown as it is (.nf): backslashes and the roff control characters at a line's start are
// escaped, '-' becomes a real minus so that options can be searched for and copied.
std::string roff_literal(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

void add_commands(const CLI::App& app, const std::string& path, std::string& out) {
  const auto visible = [](const CLI::App* sub) { return !sub->get_group().empty(); };
  for (const CLI::App* sub : app.get_subcommands(visible)) {
    const std::string sub_path = path + " " + sub->get_name();
    out += ".SS \"" + sub_path + "\"\n.nf\n";
    std::string help = sub->help(path);
    while (!help.empty() && help.back() == '\n')
      help.pop_back();
    out += roff_literal(help) + "\n.fi\n";
    add_commands(*sub, sub_path, out);
  }
}

}  // namespace

std::string man_include(const CLI::App& root) {
  std::string out =
      "[COMMANDS]\n"
      "Each command's options, as \\fBkernels\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints "
      "them.\nThe global options above may be given before or after the command.\n";
  add_commands(root, root.get_name(), out);
  out +=
      "[FILES]\n"
      ".TP\n\\fIkernels.toml\\fR, \\fIpyproject.toml\\fR\n"
      "The project's kernel dependencies: \\fB[dependencies]\\fR, or "
      "\\fB[tool.kernels.dependencies]\\fR of a Python project.\n"
      ".TP\n\\fIkernels.lock\\fR\n"
      "The locked commits (and variant hashes) that \\fBkernels lock\\fR writes.\n"
      "[ENVIRONMENT]\n"
      ".TP\n\\fBHF_ENDPOINT\\fR\nThe Hub (default https://huggingface.co), e.g. a \\fBkernels "
      "serve\\fR mirror.\n"
      ".TP\n\\fBHF_TOKEN\\fR\nThe Hub access token (else the token file under "
      "\\fBHF_HOME\\fR).\n"
      ".TP\n\\fBHF_HUB_OFFLINE\\fR\nUse only the lockfile and the cache.\n"
      ".TP\n\\fBKERNELS_CACHE\\fR, \\fBHF_HUB_CACHE\\fR, \\fBHF_HOME\\fR\nThe kernel cache "
      "(default ~/.cache/huggingface/hub).\n";
  return out;
}

}  // namespace kernels::cli
