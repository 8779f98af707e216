// `kernels cache dir | list | verify | prune`: inspect and clean the shared kernel cache.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_settings.hpp"
#include "command.hpp"

namespace kernels::cli {
namespace {

struct PruneOptions {
  std::vector<std::string> keep_projects;
  std::string older_than;
  bool dry_run = false;
};

}  // namespace

std::vector<Command> setup_cache(CLI::App& app) {
  CLI::App* cache = app.add_subcommand("cache", "Inspect and clean the kernel cache");
  cache->require_subcommand(1);

  CLI::App* dir = cache->add_subcommand("dir", "Print the cache directory in use");
  CLI::App* list = cache->add_subcommand("list", "List cached kernels, commits and variants");
  CLI::App* verify = cache->add_subcommand("verify", "Re-hash every cached file against its name");

  auto prune_options = std::make_shared<PruneOptions>();
  CLI::App* prune = cache->add_subcommand(
      "prune", "Remove what no lock of the given projects needs, or what is older than a date");
  prune
      ->add_option("--keep", prune_options->keep_projects,
                   "Project directories whose locked kernels are kept")
      ->type_name("DIR");
  prune->add_option("--older-than", prune_options->older_than, "Remove entries unused since DATE")
      ->type_name("DATE");
  prune->add_flag("--dry-run", prune_options->dry_run, "Print what would be removed");

  return {
      Command{dir,
              [](Context& context) -> Result<void> {
                auto settings = settings_from(context.global);
                if (!settings) return tl::unexpected(settings.error());
                const Setting<std::filesystem::path>& cache_dir = settings->cache_dir;
                context.out.line(cache_dir.value.string());
                context.out.json_document(nlohmann::json{{"cache_dir", cache_dir.value.string()},
                                                         {"origin", cache_dir.origin.describe()}}
                                              .dump(2));
                return {};
              }},
      Command{
          list,
          [](Context&) -> Result<void> { return tl::unexpected(not_implemented("cache list")); }},
      Command{
          verify,
          [](Context&) -> Result<void> { return tl::unexpected(not_implemented("cache verify")); }},
      Command{prune, [prune_options](Context&) -> Result<void> {
                return tl::unexpected(not_implemented("cache prune"));
              }}};
}

}  // namespace kernels::cli
