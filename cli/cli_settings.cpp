#include "cli_settings.hpp"

namespace kernels::cli {

Result<Settings> settings_from(const GlobalOptions& global) {
  SettingOverrides overrides;
  if (!global.endpoint.empty()) overrides.endpoint = global.endpoint;
  if (!global.token.empty()) overrides.token = global.token;
  if (!global.cache_dir.empty()) overrides.cache_dir = global.cache_dir;
  if (global.offline) overrides.offline = true;
  return resolve_settings(overrides, Environment::from_process());
}

void add_system_options(CLI::App& command, SystemOptions& options) {
  constexpr const char* kGroup = "System options";
  command
      .add_option("--torch", options.torch_dir,
                  "Torch to choose variants for: a torch package directory, a site-packages "
                  "directory or a libtorch folder (default: $KERNELS_TORCH_DIR, the active "
                  "virtual environment, then python3 on PATH)")
      ->group(kGroup)
      ->type_name("PATH");
  command
      .add_option("--backend", options.backend,
                  "Use this backend instead of the detected one: cpu, or the detected backend")
      ->group(kGroup)
      ->type_name("NAME");
}

Result<DetectedSystem> detect_system_from(const SystemOptions& options) {
  DetectOptions detect;
  if (!options.torch_dir.empty()) detect.torch_dir = options.torch_dir;
  if (!options.backend.empty()) detect.backend = options.backend;
  return detect_system(detect, Environment::from_process());
}

}  // namespace kernels::cli
