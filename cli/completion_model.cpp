#include "completion_model.hpp"

#include <algorithm>
#include <cstddef>

namespace kernels::cli {
namespace {

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// The choices a validator's description lists: IsMember describes itself as "{a,b,c}",
// CheckedTransformer as "value in {a->1,b->2} OR {1,2}" (the keys are what the user types).
std::vector<std::string> choices_from(std::string_view description) {
  constexpr std::string_view kMapPrefix = "value in {";
  std::string_view inner;
  bool is_map = false;
  if (description.starts_with(kMapPrefix)) {
    inner = description.substr(kMapPrefix.size());
    inner = inner.substr(0, inner.find('}'));
    is_map = true;
  } else if (description.starts_with('{') && description.ends_with('}')) {
    inner = description.substr(1, description.size() - 2);
  } else {
    return {};
  }
  std::vector<std::string> choices;
  for (std::string& item : split(inner, ',')) {
    if (is_map) item = item.substr(0, item.find("->"));
    if (!item.empty()) choices.push_back(std::move(item));
  }
  return choices;
}

// CLI11 joins the type name and its validators' descriptions with ':' ("TEXT:{bash,zsh,fish}").
// The kind follows the type name's words, which the help shows too: REPO, PATH, DIR, FILE.
CompletionValue value_of(const CLI::Option& option) {
  const std::string full = option.get_type_name();
  const std::vector<std::string> pieces = split(full, ':');
  CompletionValue value;
  value.type_name = pieces.front();
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    auto choices = choices_from(pieces[i]);
    if (!choices.empty()) {
      value.kind = ValueKind::choices;
      value.choices = std::move(choices);
      return value;
    }
  }
  const auto names = [&value](std::string_view word) {
    return value.type_name.find(word) != std::string::npos;
  };
  if (names("REPO")) {
    value.kind = names("PATH") ? ValueKind::repo_or_path : ValueKind::repo_id;
  } else if (names("DIR")) {
    value.kind = ValueKind::directory;
  } else if (names("PATH") || names("FILE")) {
    value.kind = ValueKind::file;
  }
  return value;
}

CompletionOption option_of(const CLI::Option& option) {
  CompletionOption out;
  out.short_names = option.get_snames();
  out.long_names = option.get_lnames();
  out.description = first_line(option.get_description());
  out.takes_value = option.get_type_size() != 0 && option.get_expected_max() > 0;  // flags: 0
  out.value_optional = out.takes_value && option.get_expected_min() == 0;
  if (out.takes_value) out.value = value_of(option);
  return out;
}

}  // namespace

CompletionCommand completion_tree(const CLI::App& app) {
  CompletionCommand command;
  command.name = app.get_name();
  command.description = first_line(app.get_description());
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    if (option->nonpositional()) {
      command.options.push_back(option_of(*option));
      continue;
    }
    CompletionPositional positional;
    positional.name = option->get_name();
    positional.description = first_line(option->get_description());
    positional.repeats = option->get_items_expected_max() > 1;
    positional.value = value_of(*option);
    command.positionals.push_back(std::move(positional));
  }
  const auto visible = [](const CLI::App* sub) { return !sub->get_group().empty(); };
  for (const CLI::App* sub : app.get_subcommands(visible)) {
    command.subcommands.push_back(completion_tree(*sub));
  }
  return command;
}

std::string CommandPath::joined(std::string_view separator) const {
  std::string text;
  for (const std::string& name : names) {
    if (!text.empty()) text += separator;
    text += name;
  }
  return text;
}

namespace {

bool shares_a_name(const CompletionOption& a, const CompletionOption& b) {
  const auto in = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  return std::any_of(a.short_names.begin(), a.short_names.end(),
                     [&](const std::string& name) { return in(b.short_names, name); }) ||
         std::any_of(a.long_names.begin(), a.long_names.end(),
                     [&](const std::string& name) { return in(b.long_names, name); });
}

void collect_paths(const CompletionCommand& command, std::vector<std::string> prefix,
                   const std::vector<const CompletionOption*>& inherited,
                   std::vector<CommandPath>& paths) {
  prefix.push_back(command.name);
  CommandPath path{prefix, &command, {}};
  for (const CompletionOption& option : command.options)
    path.options_in_scope.push_back(&option);
  for (const CompletionOption* option : inherited) {
    const bool shadowed =
        std::any_of(command.options.begin(), command.options.end(),
                    [option](const CompletionOption& own) { return shares_a_name(own, *option); });
    if (!shadowed) path.options_in_scope.push_back(option);
  }
  const std::vector<const CompletionOption*> scope = path.options_in_scope;
  paths.push_back(std::move(path));
  for (const CompletionCommand& sub : command.subcommands)
    collect_paths(sub, prefix, scope, paths);
}

}  // namespace

std::vector<CommandPath> command_paths(const CompletionCommand& root) {
  std::vector<CommandPath> paths;
  collect_paths(root, {}, {}, paths);
  return paths;
}

}  // namespace kernels::cli
