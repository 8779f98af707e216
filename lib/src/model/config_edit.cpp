// Text edits of the dependency table (see config_edit.hpp). The file is first parsed by
// parse_project_config (so that only valid TOML with valid dependencies is edited), then scanned
// for statement positions (toml_layout.hpp), edited as bytes, and parsed again to check the edit.

#include "kernels/model/config_edit.hpp"

#include <algorithm>
#include <utility>
#include <variant>
#include <vector>

#include "toml_layout.hpp"

namespace kernels {
namespace {

using detail::TomlLayout;
using detail::TomlStatement;
using Path = std::vector<std::string>;

Path table_path(ConfigFormat format) {
  if (format == ConfigFormat::pyproject) return {"tool", "kernels", "dependencies"};
  return {"dependencies"};
}

std::string table_header(ConfigFormat format) {
  return format == ConfigFormat::pyproject ? "[tool.kernels.dependencies]" : "[dependencies]";
}

bool is_prefix(const Path& prefix, const Path& path) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

std::string line_location(std::string_view file_name, std::size_t line) {
  std::string location(file_name);
  location += ':';
  location += std::to_string(line);
  return location;
}

// The error for a dependency table written in a form these edits leave alone.
tl::unexpected<Error> refuse_form(std::string_view file_name, const TomlStatement& where,
                                  ConfigFormat format, const std::string& form) {
  return fail(ErrorCode::invalid_input,
              "the kernel dependencies are written with " + form +
                  ", which `kernels add` and `kernels remove` do not edit; rewrite them as a " +
                  table_header(format) +
                  " table with one line per kernel (\"org/name\" = 1, \"org/name\" = "
                  "\">=1.2,<2\" or \"org/name\" = { revision = \"main\" }) and run the command "
                  "again",
              line_location(file_name, where.line));
}

tl::unexpected<Error> refuse_multiline(std::string_view file_name, const TomlStatement& where,
                                       std::string_view repo_id) {
  return fail(ErrorCode::invalid_input,
              "the value of '" + std::string(repo_id) +
                  "' spans several lines, which `kernels add` and `kernels remove` do not edit; "
                  "write it on one line and run the command again",
              line_location(file_name, where.line));
}

// Where the dependency table's statements are.
struct TableLocation {
  std::optional<std::size_t> header;               // the [P] statement
  std::vector<std::size_t> entries;                // its `"org/name" = ...` statements
  std::optional<std::size_t> tool_kernels_header;  // pyproject.toml: the [tool.kernels] statement
};

Result<TableLocation> locate_table(const TomlLayout& layout, ConfigFormat format,
                                   std::string_view file_name) {
  const Path target = table_path(format);
  const Path tool_kernels = {"tool", "kernels"};
  TableLocation found;
  Path current;  // the table the following key/value lines belong to
  bool in_target = false;
  for (std::size_t i = 0; i < layout.statements.size(); ++i) {
    const TomlStatement& statement = layout.statements[i];
    switch (statement.kind) {
      case TomlStatement::Kind::blank:
        break;
      case TomlStatement::Kind::table:
      case TomlStatement::Kind::array_table:
        current = statement.path;
        in_target = statement.kind == TomlStatement::Kind::table && current == target;
        if (in_target) {
          found.header = i;
        } else if (is_prefix(target, current)) {
          return refuse_form(file_name, statement, format,
                             "a sub-table header (" + table_header(format) +
                                 " followed by a [...\"org/name\"] table)");
        }
        if (format == ConfigFormat::pyproject && current == tool_kernels &&
            statement.kind == TomlStatement::Kind::table) {
          found.tool_kernels_header = i;
        }
        break;
      case TomlStatement::Kind::key_value: {
        if (in_target) {
          if (statement.path.size() != 1) {
            return refuse_form(file_name, statement, format,
                               "a dotted key (\"org/name\".version = ...)");
          }
          found.entries.push_back(i);
          break;
        }
        Path full = current;
        full.insert(full.end(), statement.path.begin(), statement.path.end());
        if (is_prefix(full, target) || is_prefix(target, full)) {
          return refuse_form(file_name, statement, format,
                             "dotted keys or an inline table (dependencies = { ... })");
        }
        break;
      }
    }
  }
  return found;
}

struct Prepared {
  ProjectConfig before;
  TomlLayout layout;
  TableLocation table;
};

Result<Prepared> prepare(std::string_view text, ConfigFormat format, std::string_view file_name) {
  auto before = parse_project_config(text, format, file_name);
  if (!before) return tl::unexpected(std::move(before.error()));
  auto layout = detail::scan_toml_layout(text, file_name);
  if (!layout) return tl::unexpected(std::move(layout.error()));
  auto table = locate_table(*layout, format, file_name);
  if (!table) return tl::unexpected(std::move(table.error()));
  return Prepared{std::move(*before), std::move(*layout), std::move(*table)};
}

const TomlStatement* find_entry(const Prepared& prepared, std::string_view repo_id) {
  for (const std::size_t index : prepared.table.entries) {
    const TomlStatement& statement = prepared.layout.statements[index];
    if (statement.path.front() == repo_id) return &statement;
  }
  return nullptr;
}

bool ends_with_blank_line(std::string_view text) {
  return text.ends_with("\n\n") || text.ends_with("\n\r\n");
}

// `text` with `lines` (joined by the file's newline, without a final one) inserted at `pos`, the
// start of a line or the end of the text. A file that does not end with a newline keeps not
// ending with one.
std::string insert_lines(std::string_view text, std::size_t pos, std::string_view lines,
                         const std::string& newline, bool blank_line_before) {
  const std::string_view before = text.substr(0, pos);
  const bool unterminated_end = pos == text.size() && !before.empty() && !before.ends_with('\n');
  std::string block;
  if (unterminated_end) block += newline;
  if (blank_line_before && !before.empty() && !ends_with_blank_line(before)) block += newline;
  block += lines;
  if (!unterminated_end) block += newline;
  std::string out(before);
  out += block;
  out += text.substr(pos);
  return out;
}

// Where a new table goes: after the body of [tool.kernels] (pyproject.toml), else at the end.
std::size_t new_table_position(const Prepared& prepared, std::size_t text_size) {
  if (!prepared.table.tool_kernels_header) return text_size;
  const auto& statements = prepared.layout.statements;
  std::size_t position = statements[*prepared.table.tool_kernels_header].end;
  for (std::size_t i = *prepared.table.tool_kernels_header + 1; i < statements.size(); ++i) {
    const TomlStatement& statement = statements[i];
    if (statement.kind == TomlStatement::Kind::table ||
        statement.kind == TomlStatement::Kind::array_table) {
      break;
    }
    if (statement.kind == TomlStatement::Kind::key_value) position = statement.end;
  }
  return position;
}

std::string entry_text(std::string_view repo_id, const Requirement& requirement) {
  return detail::toml_basic_string(repo_id) + " = " + toml_requirement_value(requirement);
}

std::string names(const std::vector<Dependency>& dependencies) {
  std::string out;
  for (const Dependency& dependency : dependencies) {
    if (!out.empty()) out += ", ";
    out += dependency.repo_id;
  }
  return out;
}

// Parses the edited text and checks that it declares exactly `intended`.
Result<void> verify(std::string_view text, ConfigFormat format, std::string_view file_name,
                    const std::vector<Dependency>& intended) {
  auto after = parse_project_config(text, format, file_name);
  std::string problem;
  if (!after) {
    problem = "the result does not parse: " + after.error().describe();
  } else if (!after->declares_dependencies || after->dependencies != intended) {
    problem = "the result declares [" + names(after->dependencies) + "] instead of [" +
              names(intended) + "]";
  } else {
    return {};
  }
  return fail(ErrorCode::failure,
              "editing the dependency table went wrong (" + problem +
                  "); the file was left unchanged: edit it by hand, and please report this",
              std::string(file_name));
}

}  // namespace

std::string_view to_string(DependencyChange change) {
  switch (change) {
    case DependencyChange::added:
      return "added";
    case DependencyChange::updated:
      return "updated";
    case DependencyChange::unchanged:
      return "unchanged";
    case DependencyChange::removed:
      return "removed";
  }
  return "unchanged";
}

std::string toml_requirement_value(const Requirement& requirement) {
  if (const auto* major = std::get_if<MajorVersion>(&requirement)) {
    return std::to_string(major->number);
  }
  if (const auto* specifier = std::get_if<VersionSpecifier>(&requirement)) {
    return detail::toml_basic_string(specifier->text);
  }
  return "{ revision = " + detail::toml_basic_string(std::get<Revision>(requirement).name) + " }";
}

Result<ConfigEdit> set_dependency(std::string_view text, ConfigFormat format,
                                  std::string_view file_name, const Dependency& dependency) {
  auto prepared = prepare(text, format, file_name);
  if (!prepared) return tl::unexpected(std::move(prepared.error()));
  std::vector<Dependency> intended = prepared->before.dependencies;
  const std::string& newline = prepared->layout.newline;
  ConfigEdit edit;

  if (const TomlStatement* entry = find_entry(*prepared, dependency.repo_id)) {
    auto existing = std::find_if(intended.begin(), intended.end(), [&](const Dependency& item) {
      return item.repo_id == dependency.repo_id;
    });
    if (existing == intended.end()) {
      return fail(ErrorCode::failure,
                  "the entry of '" + dependency.repo_id +
                      "' was found in the text but not in the parsed file; "
                      "please report this",
                  line_location(file_name, entry->line));
    }
    edit.previous = existing->requirement;
    if (existing->requirement == dependency.requirement) {
      edit.text = std::string(text);
      edit.change = DependencyChange::unchanged;
      return edit;
    }
    if (entry->multiline_value) return refuse_multiline(file_name, *entry, dependency.repo_id);
    edit.text = std::string(text.substr(0, entry->value_begin));
    edit.text += toml_requirement_value(dependency.requirement);
    edit.text += text.substr(entry->value_end);
    edit.change = DependencyChange::updated;
    existing->requirement = dependency.requirement;
  } else if (prepared->table.header) {
    const auto& statements = prepared->layout.statements;
    const auto& entries = prepared->table.entries;
    const TomlStatement& last =
        statements[entries.empty() ? *prepared->table.header : entries.back()];
    // A new entry is indented like the entry before it.
    std::string line;
    if (!entries.empty())
      line = std::string(text.substr(last.begin, last.content_begin - last.begin));
    line += entry_text(dependency.repo_id, dependency.requirement);
    edit.text = insert_lines(text, last.end, line, newline, false);
    edit.change = DependencyChange::added;
    intended.push_back(dependency);
  } else {
    const std::string lines =
        table_header(format) + newline + entry_text(dependency.repo_id, dependency.requirement);
    edit.text =
        insert_lines(text, new_table_position(*prepared, text.size()), lines, newline, true);
    edit.change = DependencyChange::added;
    edit.created_table = true;
    intended.push_back(dependency);
  }
  if (auto ok = verify(edit.text, format, file_name, intended); !ok) {
    return tl::unexpected(std::move(ok.error()));
  }
  return edit;
}

Result<ConfigEdit> remove_dependency(std::string_view text, ConfigFormat format,
                                     std::string_view file_name, std::string_view repo_id) {
  auto prepared = prepare(text, format, file_name);
  if (!prepared) return tl::unexpected(std::move(prepared.error()));
  std::vector<Dependency> intended = prepared->before.dependencies;
  const TomlStatement* entry = find_entry(*prepared, repo_id);
  const auto existing = std::find_if(intended.begin(), intended.end(), [&](const Dependency& item) {
    return item.repo_id == repo_id;
  });
  if (entry == nullptr || existing == intended.end()) {
    return fail(ErrorCode::not_found,
                "'" + std::string(repo_id) + "' is not a dependency of the project" +
                    (intended.empty() ? std::string("; it has none")
                                      : "; its dependencies are: " + names(intended)),
                std::string(file_name));
  }
  if (entry->multiline_value) return refuse_multiline(file_name, *entry, repo_id);

  std::size_t begin = entry->begin;
  // The last line of a file without a final newline: drop the newline before it instead, so that
  // the file still ends the way it did.
  if (entry->end == text.size() && !text.ends_with('\n') && begin > 0 && text[begin - 1] == '\n') {
    --begin;
    if (begin > 0 && text[begin - 1] == '\r') --begin;
  }
  ConfigEdit edit;
  edit.text = std::string(text.substr(0, begin));
  edit.text += text.substr(entry->end);
  edit.change = DependencyChange::removed;
  edit.previous = existing->requirement;
  intended.erase(existing);
  if (auto ok = verify(edit.text, format, file_name, intended); !ok) {
    return tl::unexpected(std::move(ok.error()));
  }
  return edit;
}

}  // namespace kernels
