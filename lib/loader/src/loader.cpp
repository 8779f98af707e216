#include "kernels/loader/loader.hpp"

#include <map>
#include <mutex>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/model/lockfile.hpp"
#include "kernels/model/repo_id.hpp"
#include "kernels/model/settings.hpp"
#include "kernels/model/variant_selection.hpp"
#include "kernels/system/detect.hpp"

#include "kernel_library.hpp"
#include "local_kernels.hpp"
#include "locked_variant.hpp"
#include "process_torch.hpp"

namespace kernels {

struct Loader::State {
  LoaderOptions options;
  std::filesystem::path lockfile_path;
  Lockfile lockfile;
  std::filesystem::path cache_dir;
  SystemInfo system;
  bool enabled = true;
  loader_detail::LocalKernels local_kernels;
  std::mutex mutex;  // guards `loaded`
  std::map<std::string, std::shared_ptr<const Kernel>, std::less<>> loaded;

  void log(LoaderLogLevel level, const std::string& message) const {
    if (options.log) options.log(level, message);
  }
  [[nodiscard]] loader_detail::LogLine log_line() const {
    return [this](LoaderLogLevel level, const std::string& message) { log(level, message); };
  }

  Result<std::shared_ptr<const Kernel>> load_local(const std::string& repo_id,
                                                   const std::filesystem::path& path) const;
  Result<std::shared_ptr<const Kernel>> load_locked(const std::string& repo_id) const;
};

namespace {

// USE_HUB_KERNELS as Transformers reads it: off with 0/off/no/false.
Result<bool> kernels_enabled(const Environment& environment) {
  const auto value = environment.get_non_empty("USE_HUB_KERNELS");
  if (!value) return true;
  auto parsed = parse_bool_setting("USE_HUB_KERNELS", *value);
  if (!parsed) return tl::unexpected(parsed.error());
  return *parsed;
}

Result<SystemInfo> detect_process_system(const LoaderOptions& options,
                                         const Environment& environment) {
  DetectOptions detect;
  detect.backend = options.backend;
  detect.torch_dir = loader_detail::loaded_torch_directory();
  if (detect.torch_dir) detect.cxx11_abi = loader_detail::loaded_torch_cxx11_abi(*detect.torch_dir);
  auto detected = detect_system(detect, environment);
  if (!detected) return tl::unexpected(detected.error());
  if (options.log) {
    const std::string torch = detected->torch ? detected->torch->directory.string() : "none";
    options.log(LoaderLogLevel::debug, "system: Torch " + torch + ", backend " +
                                           to_string(detected->system.backend) + " (" +
                                           detected->backend_origin + ")");
    for (const std::string& warning : detected->warnings)
      options.log(LoaderLogLevel::warning, warning);
  }
  return std::move(detected->system);
}

std::filesystem::path lockfile_of(const std::filesystem::path& given) {
  std::error_code error;
  return std::filesystem::is_directory(given, error) ? lockfile_path(given) : given;
}

}  // namespace

Result<Loader> Loader::open(LoaderOptions options) {
  auto state = std::make_unique<State>();
  const Environment environment = options.environment.value_or(Environment::from_process());

  auto enabled = kernels_enabled(environment);
  if (!enabled) return tl::unexpected(enabled.error());
  state->enabled = *enabled;
  if (auto local = environment.get_non_empty("LOCAL_KERNELS")) {
    auto parsed = loader_detail::parse_local_kernels(*local);
    if (!parsed) return tl::unexpected(parsed.error());
    state->local_kernels = std::move(*parsed);
  }

  if (options.lockfile.empty()) {
    return fail(ErrorCode::usage,
                "no lockfile given to the kernels loader; pass the project's kernels.lock (write "
                "it with `kernels lock`)");
  }
  state->lockfile_path = lockfile_of(options.lockfile);
  auto lockfile = read_lockfile(state->lockfile_path);
  if (!lockfile) return tl::unexpected(lockfile.error());
  state->lockfile = std::move(*lockfile);

  if (options.cache_dir) {
    state->cache_dir = *options.cache_dir;
  } else {
    auto cache_dir = resolve_cache_dir({}, environment);
    if (!cache_dir) return tl::unexpected(cache_dir.error());
    state->cache_dir = std::move(cache_dir->value);
  }

  if (options.system) {
    state->system = *options.system;
  } else {
    auto system = detect_process_system(options, environment);
    if (!system) return tl::unexpected(system.error());
    state->system = std::move(*system);
  }
  state->options = std::move(options);
  return Loader(std::move(state));
}

Loader::Loader(std::unique_ptr<State> state) : state_(std::move(state)) {}
Loader::Loader(Loader&&) noexcept = default;
Loader& Loader::operator=(Loader&&) noexcept = default;
Loader::~Loader() = default;

bool Loader::enabled() const {
  return state_->enabled;
}
const SystemInfo& Loader::system() const {
  return state_->system;
}
const std::filesystem::path& Loader::cache_dir() const {
  return state_->cache_dir;
}
const std::filesystem::path& Loader::lockfile() const {
  return state_->lockfile_path;
}

std::vector<std::string> Loader::locked_repos() const {
  std::vector<std::string> repos;
  for (const LockedKernel& kernel : state_->lockfile.kernels)
    repos.push_back(kernel.repo_id);
  return repos;
}

Result<std::shared_ptr<const Kernel>> Loader::load(std::string_view repo_id) {
  if (!state_->enabled) {
    return fail(ErrorCode::usage, "kernels are turned off by USE_HUB_KERNELS; unset it to load " +
                                      std::string(repo_id));
  }
  if (auto valid = validate_repo_id(repo_id); !valid) return tl::unexpected(valid.error());
  const std::lock_guard guard(state_->mutex);
  if (const auto found = state_->loaded.find(repo_id); found != state_->loaded.end()) {
    return found->second;
  }
  const std::string repo(repo_id);
  const auto local = state_->local_kernels.find(repo_id);
  auto kernel = local != state_->local_kernels.end() ? state_->load_local(repo, local->second)
                                                     : state_->load_locked(repo);
  if (!kernel) return tl::unexpected(kernel.error());
  state_->loaded.emplace(repo, *kernel);
  return *kernel;
}

Result<std::shared_ptr<const Kernel>> Loader::State::load_local(
    const std::string& repo_id, const std::filesystem::path& path) const {
  auto folders = loader_detail::inspect_local_kernel(path);
  if (!folders) return tl::unexpected(folders.error());
  LoadedKernelInfo info;
  info.repo_id = repo_id;
  info.verification = KernelVerification::local;
  if (!folders->variant_dir.empty()) {
    info.directory = folders->variant_dir;
    info.variant = info.directory.filename().string();
  } else {
    const VariantSelection selection = select_variant(folders->variant_names, system);
    const VariantDecision* best = selection.best();
    if (best == nullptr) {
      return fail(ErrorCode::not_found, "LOCAL_KERNELS path " + path.string() +
                                            " has no variant for this system (see `kernels info " +
                                            path.string() + "`)");
    }
    info.variant = best->name;
    info.directory = folders->build_dir / best->name;
  }
  log(LoaderLogLevel::warning, repo_id + ": loading the development build " +
                                   info.directory.string() + " (LOCAL_KERNELS), not verified");
  return loader_detail::open_kernel(std::move(info), system);
}

Result<std::shared_ptr<const Kernel>> Loader::State::load_locked(const std::string& repo_id) const {
  const LockedKernel* locked = lockfile.find(repo_id);
  if (locked == nullptr) {
    return fail(ErrorCode::not_found, "Kernel `" + repo_id + "` is not locked in " +
                                          lockfile_path.string() +
                                          "; add it to the project (`kernels add " + repo_id +
                                          "`) and run `kernels lock` and `kernels download`");
  }
  const CacheRepo repo = find_cache_repo(cache_dir, repo_id);
  auto variant = loader_detail::choose_cached_variant(repo, *locked, system, log_line());
  if (!variant) return tl::unexpected(variant.error());
  auto verification =
      loader_detail::verify_locked_variant(repo, *locked, *variant, options.verify, log_line());
  if (!verification) return tl::unexpected(verification.error());
  log(LoaderLogLevel::info, repo_id + ": " + *variant + " at " + locked->sha.substr(0, 12) +
                                " verified (" + std::string(to_string(verification->verification)) +
                                ")");
  LoadedKernelInfo info;
  info.repo_id = repo_id;
  info.commit = locked->sha;
  info.variant = *variant;
  info.directory = repo.variant_dir(locked->sha, *variant);
  info.verification = verification->verification;
  return loader_detail::open_kernel(std::move(info), system, &verification->files);
}

}  // namespace kernels
