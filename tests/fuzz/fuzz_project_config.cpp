// pyproject.toml / kernels.toml: parse both formats; editing a config that parses must give a
// config that parses and holds the edit, and removing the entry again must work.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/model/config_edit.hpp"
#include "kernels/model/project_config.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  const auto [choice, text] = fuzz::select(fuzz::as_text(data, size), 2);
  const ConfigFormat format = choice == 0 ? ConfigFormat::pyproject : ConfigFormat::kernels_toml;
  auto config = parse_project_config(text, format, "fuzz.toml");
  if (!config) return 0;

  const Dependency added{"fuzz-org/fuzz-kernel", VersionSpecifier{">=1.2,<2"}};
  auto edit = set_dependency(text, format, "fuzz.toml", added);
  if (!edit) return 0;  // a table form the editor refuses to touch is a clear error, not a crash
  auto edited = parse_project_config(edit->text, format, "fuzz.toml");
  fuzz::require(edited.has_value(), "an edited config parses");
  const Dependency* found = edited->find(added.repo_id);
  fuzz::require(found != nullptr && *found == added, "the edited config holds the new entry");
  for (const Dependency& before : config->dependencies) {
    if (before.repo_id == added.repo_id) continue;
    const Dependency* kept = edited->find(before.repo_id);
    fuzz::require(kept != nullptr && *kept == before, "an edit keeps the other entries");
  }
  auto removed = remove_dependency(edit->text, format, "fuzz.toml", added.repo_id);
  fuzz::require(removed.has_value(), "an entry just added can be removed");
  auto after = parse_project_config(removed->text, format, "fuzz.toml");
  fuzz::require(after.has_value() && after->find(added.repo_id) == nullptr,
                "after the removal the config parses without the entry");
  return 0;
}
