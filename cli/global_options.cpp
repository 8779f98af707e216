#include "global_options.hpp"

#include <map>

namespace kernels::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  constexpr const char* kGroup = "Global options";
  app.add_option("--project", options.project_dir,
                 "Project directory holding kernels.toml or pyproject.toml and kernels.lock")
      ->type_name("DIR")
      ->group(kGroup)
      ->capture_default_str();
  app.add_option("--cache-dir", options.cache_dir,
                 "Kernel cache (default: $KERNELS_CACHE, $HF_HUB_CACHE, $HF_HOME/hub, "
                 "~/.cache/huggingface/hub)")
      ->type_name("DIR")
      ->group(kGroup);
  app.add_option("--endpoint", options.endpoint,
                 "Hub endpoint URL (default: $HF_ENDPOINT, else https://huggingface.co)")
      ->group(kGroup);
  app.add_option("--token", options.token,
                 "Hub access token (default: $HF_TOKEN, else the token file)")
      ->group(kGroup);
  app.add_flag("--offline", options.offline,
               "Use only the lockfile and the cache; no network (HF_HUB_OFFLINE=1)")
      ->group(kGroup);
  app.add_flag("--json", options.json, "Print results (and errors) as JSON on stdout")
      ->group(kGroup);
  app.add_flag("-v,--verbose", options.verbosity, "More log output on stderr (repeat for more)")
      ->group(kGroup);
  app.add_flag("-q,--quiet", options.quiet, "Only errors on stderr")->group(kGroup);
  app.add_flag("--no-progress", options.no_progress, "Never draw progress bars")->group(kGroup);
  const std::map<std::string, ColorMode> colors{
      {"auto", ColorMode::automatic}, {"always", ColorMode::always}, {"never", ColorMode::never}};
  app.add_option("--color", options.color, "Colored output: auto, always or never")
      ->transform(CLI::CheckedTransformer(colors, CLI::ignore_case))
      ->group(kGroup);
}

}  // namespace kernels::cli
