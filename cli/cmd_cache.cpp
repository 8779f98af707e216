// `kernels cache dir | list | verify | prune`: inspect and clean the shared kernel cache.
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/cache/cache_inventory.hpp"
#include "kernels/cache/cache_prune.hpp"
#include "kernels/cache/variant_verify.hpp"
#include "kernels/model/lockfile.hpp"
#include "kernels/util/time_limit.hpp"

#include "cache_report.hpp"
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

Result<void> run_cache_list(Context& context) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  auto inventory = scan_cache(settings->cache_dir.value);
  if (!inventory) return tl::unexpected(inventory.error());
  context.out.json_document(inventory_json(*inventory).dump(2));
  for (const std::string& line : inventory_lines(*inventory))
    context.out.line(line);
  return {};
}

// The (repo, commit) pairs the projects' kernels.lock files name.
Result<std::set<std::pair<std::string, std::string>>> locked_commits(
    const std::vector<std::string>& projects) {
  std::set<std::pair<std::string, std::string>> keep;
  for (const std::string& project : projects) {
    const auto path = lockfile_path(project);
    auto lockfile = read_lockfile(path);
    if (!lockfile) {
      return fail(lockfile.error().code,
                  "--keep " + project + ": " + lockfile.error().message +
                      " (give project folders that have a kernels.lock; `kernels lock` writes it)",
                  path.string());
    }
    for (const LockedKernel& kernel : lockfile->kernels)
      keep.emplace(kernel.repo_id, kernel.sha);
  }
  return keep;
}

Result<void> run_cache_prune(const PruneOptions& options, Context& context) {
  if (options.keep_projects.empty() && options.older_than.empty()) {
    return fail(ErrorCode::usage,
                "say what to keep: --keep PROJECT_DIR (repeatable; what the project's "
                "kernels.lock needs stays) and/or --older-than DATE|AGE (2026-01-31, 30d, 12h: "
                "what was used since then stays)");
  }
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  PruneRequest request;
  request.cache_dir = settings->cache_dir.value;
  request.dry_run = options.dry_run;
  const SystemTime now = std::chrono::system_clock::now();
  if (!options.older_than.empty()) {
    auto limit = parse_time_limit(options.older_than, now);
    if (!limit) return fail(ErrorCode::usage, "--older-than: " + limit.error().message);
    request.older_than = *limit;
  }
  if (!options.keep_projects.empty()) {
    auto keep = locked_commits(options.keep_projects);
    if (!keep) return tl::unexpected(keep.error());
    request.keep = std::move(*keep);
  }
  auto report = prune_cache(request);
  if (!report) return tl::unexpected(report.error());
  context.out.json_document(prune_json(*report).dump(2));
  for (const std::string& line : prune_lines(*report))
    context.out.line(line);
  return {};
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
  prune
      ->add_option("--older-than", prune_options->older_than,
                   "Remove what was not used since DATE (2026-01-31, 2026-01-31T12:00Z) or for "
                   "AGE (30d, 12h, 45m, 2w)")
      ->type_name("DATE|AGE");
  prune->add_flag("--dry-run", prune_options->dry_run, "Print what would be removed");
  prune->footer(
      "With --keep and --older-than, only what no project needs AND is older goes. Blobs that a\n"
      "running download holds locked are kept and reported. Lock files stay.\n"
      "Examples:\n"
      "  kernels cache prune --keep . --keep ../other   keep what these projects' locks need\n"
      "  kernels cache prune --older-than 30d --dry-run  what has not been used for 30 days");

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
      Command{list, [](Context& context) -> Result<void> { return run_cache_list(context); }},
      Command{verify, [](Context& context) -> Result<void> { return run_cache_verify(context); }},
      Command{prune, [prune_options](Context& context) -> Result<void> {
                return run_cache_prune(*prune_options, context);
              }}};
}

}  // namespace kernels::cli
