// The dependency table of pyproject.toml / kernels.toml.

#include "kernels/model/project_config.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include <toml++/toml.h>

#include "kernels/model/repo_id.hpp"
#include "kernels/util/text_file.hpp"

namespace kernels {
namespace {

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// A toml::table is a map sorted by key; the entries in the order the file wrote them.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
    const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, node] : table)
    entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& left, const auto& right) {
    const toml::source_position& a = left.first->source().begin;
    const toml::source_position& b = right.first->source().begin;
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return entries;
}

// "file:line:column". Built by appending: GCC 12 warns falsely (-Wrestrict, PR 105329) on the
// chained operator+ form at -O3.
std::string file_position(std::string_view file_name, const toml::source_position& position) {
  std::string text(file_name);
  if (position.line == 0) return text;
  text += ':';
  text += std::to_string(position.line);
  text += ':';
  text += std::to_string(position.column);
  return text;
}

// Reads values out of the parsed document and turns problems into errors at file:line:column.
class ConfigReader {
 public:
  explicit ConfigReader(std::string_view file_name) : file_name_(file_name) {}

  // Reads the dependency table: one Dependency per key, in the order of the file.
  Result<std::vector<Dependency>> read_dependencies(const toml::table& table) const {
    std::vector<Dependency> dependencies;
    for (const auto& [key, node] : in_file_order(table)) {
      const std::string repo_id(key->str());
      if (auto ok = validate_repo_id(repo_id); !ok) {
        return error(*key, ok.error().message +
                               " (a dependency key is a quoted Hub repo id: "
                               "\"org/name\" = 1)");
      }
      auto requirement = read_requirement(repo_id, *node);
      if (!requirement) return tl::unexpected(std::move(requirement.error()));
      dependencies.push_back(Dependency{repo_id, std::move(*requirement)});
    }
    return dependencies;
  }

  template <class Sourced>
  tl::unexpected<Error> error(const Sourced& where, std::string message) const {
    return fail(ErrorCode::invalid_input, std::move(message),
                file_position(file_name_, where.source().begin));
  }

 private:
  Result<Requirement> read_requirement(const std::string& repo_id, const toml::node& node) const {
    if (const auto* integer = node.as_integer()) return major_version(repo_id, *integer);
    if (const auto* text = node.as_string()) return specifier(repo_id, *text);
    if (const auto* table = node.as_table()) return requirement_table(repo_id, *table);
    return error(node, "the requirement of '" + repo_id +
                           "' must be an integer major version (e.g. 1), a version specifier "
                           "string (e.g. \">=1.2,<2\") or a table ({ version = ... } or "
                           "{ revision = \"...\" }), found " +
                           type_name(node));
  }

  Result<Requirement> major_version(const std::string& repo_id,
                                    const toml::value<std::int64_t>& integer) const {
    const std::int64_t number = integer.get();
    if (number < 0) {
      return error(integer, "the major version of '" + repo_id + "' must be 0 or more, found " +
                                std::to_string(number));
    }
    if (number > std::numeric_limits<int>::max()) {
      return error(integer, "the major version of '" + repo_id +
                                "' is too large: " + std::to_string(number));
    }
    return MajorVersion{static_cast<int>(number)};
  }

  Result<Requirement> specifier(const std::string& repo_id,
                                const toml::value<std::string>& text) const {
    if (text.get().find_first_not_of(" \t") == std::string::npos) {
      return error(text, "the version specifier of '" + repo_id +
                             "' is empty; give an integer major version (e.g. 1) or a specifier "
                             "such as \">=1.2,<2\"");
    }
    return VersionSpecifier{text.get()};
  }

  Result<Requirement> requirement_table(const std::string& repo_id,
                                        const toml::table& table) const {
    const toml::node* version = nullptr;
    const toml::node* revision = nullptr;
    for (const auto& [key, node] : in_file_order(table)) {
      if (key->str() == "version") {
        version = node;
      } else if (key->str() == "revision") {
        revision = node;
      } else {
        return error(*key, "unknown key '" + std::string(key->str()) + "' in the table of '" +
                               repo_id + "'; only `version` and `revision` are allowed");
      }
    }
    if (version && revision) {
      return error(table, "the table of '" + repo_id +
                              "' has both `version` and `revision`; keep exactly one of them");
    }
    if (version) {
      if (version->is_integer() || version->is_string()) return read_requirement(repo_id, *version);
      return error(*version, "`version` of '" + repo_id +
                                 "' must be an integer major version or a specifier string, "
                                 "found " +
                                 type_name(*version));
    }
    if (revision) {
      const auto* name = revision->as_string();
      if (!name) {
        return error(*revision, "`revision` of '" + repo_id +
                                    "' must be a string (a branch, tag or commit sha), found " +
                                    type_name(*revision));
      }
      if (auto ok = validate_revision(name->get()); !ok) {
        return error(*revision, "`revision` of '" + repo_id + "': " + ok.error().message);
      }
      return Revision{name->get()};
    }
    return error(table, "the table of '" + repo_id +
                            "' needs `version` (e.g. { version = 1 }) or `revision` (e.g. "
                            "{ revision = \"main\" })");
  }

  std::string_view file_name_;
};

// Finds the dependency table: `tool.kernels.dependencies` in pyproject.toml, `dependencies` in
// kernels.toml. Each step must be a table when present; an absent one means "no dependencies".
Result<const toml::table*> find_dependency_table(const toml::table& root, ConfigFormat format,
                                                 const ConfigReader& reader) {
  const std::vector<std::string_view> steps =
      format == ConfigFormat::pyproject
          ? std::vector<std::string_view>{"tool", "kernels", "dependencies"}
          : std::vector<std::string_view>{"dependencies"};
  const toml::table* table = &root;
  std::string dotted;
  for (const std::string_view step : steps) {
    if (!dotted.empty()) dotted += '.';
    dotted += step;
    const toml::node* node = table->get(step);
    if (!node) return nullptr;
    table = node->as_table();
    if (!table)
      return reader.error(*node, "`" + dotted + "` must be a table, found " + type_name(*node));
  }
  return table;
}

}  // namespace

const Dependency* ProjectConfig::find(std::string_view repo_id) const {
  const auto it =
      std::find_if(dependencies.begin(), dependencies.end(),
                   [&](const Dependency& dependency) { return dependency.repo_id == repo_id; });
  return it == dependencies.end() ? nullptr : &*it;
}

Result<ProjectConfig> parse_project_config(std::string_view text, ConfigFormat format,
                                           std::string_view file_name) {
  if (text.size() > kMaxProjectConfigBytes) {
    return fail(ErrorCode::invalid_input,
                "the file is larger than " + describe_size(kMaxProjectConfigBytes) +
                    "; refusing to read it as a project configuration",
                std::string(file_name));
  }
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& error) {
    return fail(ErrorCode::invalid_input, "invalid TOML: " + std::string(error.description()),
                file_position(file_name, error.source().begin));
  }
  const ConfigReader reader(file_name);
  ProjectConfig config;
  config.path = std::filesystem::path(file_name);
  config.format = format;
  auto table = find_dependency_table(root, format, reader);
  if (!table) return tl::unexpected(std::move(table.error()));
  if (*table == nullptr) return config;
  config.declares_dependencies = true;
  auto dependencies = reader.read_dependencies(**table);
  if (!dependencies) return tl::unexpected(std::move(dependencies.error()));
  config.dependencies = std::move(*dependencies);
  return config;
}

}  // namespace kernels
