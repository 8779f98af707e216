// `kernels cache dir | list | verify | prune`: inspect and clean the shared kernel cache.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/cache/variant_verify.hpp"

#include "cli_settings.hpp"
#include "command.hpp"

namespace kernels::cli {
namespace {

struct PruneOptions {
  std::vector<std::string> keep_projects;
  std::string older_than;
  bool dry_run = false;
};

// Re-hashes every blob of every repo folder against its name (a full pass: it reads everything).
Result<void> run_cache_verify(Context& context) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  auto report = verify_cache_blobs(settings->cache_dir.value);
  if (!report) return tl::unexpected(report.error());
  nlohmann::json problems = nlohmann::json::array();
  for (const BlobProblem& problem : report->problems) {
    problems.push_back({{"blob", problem.blob}, {"actual", problem.actual}});
    context.out.note(problem.blob + ": content does not match its name (got " + problem.actual +
                     ")");
  }
  context.out.json_document(nlohmann::json{
      {"cache_dir", settings->cache_dir.value.string()},
      {"blobs_checked", report->blobs_checked},
      {"problems", problems}}.dump(2));
  context.out.line(std::to_string(report->blobs_checked) + " blobs checked, " +
                   std::to_string(report->problems.size()) + " damaged");
  if (report->problems.empty()) return {};
  return fail(ErrorCode::integrity,
              std::to_string(report->problems.size()) +
                  " cached blobs do not match their names; run `kernels download` in the "
                  "projects that use them to fetch them again",
              settings->cache_dir.value.string());
}

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
      Command{verify, [](Context& context) -> Result<void> { return run_cache_verify(context); }},
      Command{prune, [prune_options](Context&) -> Result<void> {
                return tl::unexpected(not_implemented("cache prune"));
              }}};
}

}  // namespace kernels::cli
