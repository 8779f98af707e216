#pragma once

// kernels::Loader: the run-time half of `kernels`. From a kernels.lock and a cache filled by
// `kernels download`, never the network, it picks the build variant for this process by the
// reference's rules (kernels-spec.md section 5), checks it against the lock, loads its shared
// object and returns a Kernel.
//
//   auto loader = kernels::Loader::open({.lockfile = "kernels.lock"});
//   if (!loader) { std::cerr << loader.error().describe() << '\n'; return 1; }
//   auto kernel = loader->load("kernels-community/activation");
//
// Environment (read once, by open()):
//   USE_HUB_KERNELS=0|off|no|false  kernels are off: enabled() is false and load() refuses
//   LOCAL_KERNELS=org/a=/path:...   development builds used instead of the lock and the cache
//                                   (a repo folder, its build/ folder or a variant folder)
//   KERNELS_CACHE, HF_HUB_CACHE, HF_HOME  the cache, as the command line tool finds it
// The system (Torch version and C++ ABI, CUDA/ROCm/XPU version, CPU, OS) comes from the libtorch
// loaded in the process (its version.py or build-version beside its lib/ folder), else from the
// Torch the command line tool would find; LoaderOptions::system overrides it.
//
// Errors name the fix: a kernel that is not locked (`kernels lock`), a variant that is not in the
// cache (`kernels download`), files that do not match the lock (ErrorCode::integrity; `kernels
// download` repairs them), a library that does not load (dlerror()'s words).

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"
#include "kernels/loader/export.hpp"
#include "kernels/loader/kernel.hpp"
#include "kernels/model/system_info.hpp"
#include "kernels/util/environment.hpp"

namespace kernels {

enum class LoaderLogLevel { debug, info, warning };

// Where the loader's log lines go; the loader itself never prints.
using LoaderLogCallback = std::function<void(LoaderLogLevel, std::string_view)>;

enum class LoaderVerify {
  marker,  // trust a verified marker that still holds (one stat per file); else re-hash
  full,    // always re-hash every file of the variant
};

struct LoaderOptions {
  // kernels.lock, or the project folder holding it.
  std::filesystem::path lockfile;
  // The Hub-layout cache; default: as `kernels` resolves it (KERNELS_CACHE, HF_HUB_CACHE, ...).
  std::optional<std::filesystem::path> cache_dir;
  // The system to choose variants for, instead of detecting it.
  std::optional<SystemInfo> system;
  // "cpu" to prefer CPU variants on a GPU machine (as `kernels download --backend cpu`).
  std::optional<std::string> backend;
  LoaderVerify verify = LoaderVerify::marker;
  LoaderLogCallback log;
  // The environment to read; default: the process's.
  std::optional<Environment> environment;
};

class KERNELS_LOADER_API Loader {
 public:
  // Reads the lockfile and settles the cache, the system and the environment switches.
  // Errors: a missing or malformed lockfile, a malformed USE_HUB_KERNELS or LOCAL_KERNELS value,
  // no Torch to describe the system (give LoaderOptions::system).
  [[nodiscard]] static Result<Loader> open(LoaderOptions options);

  Loader(Loader&&) noexcept;
  Loader& operator=(Loader&&) noexcept;
  ~Loader();

  // False when USE_HUB_KERNELS turned kernels off.
  [[nodiscard]] bool enabled() const;
  [[nodiscard]] const SystemInfo& system() const;
  [[nodiscard]] const std::filesystem::path& cache_dir() const;
  [[nodiscard]] const std::filesystem::path& lockfile() const;
  // The repos of the lockfile, in its order.
  [[nodiscard]] std::vector<std::string> locked_repos() const;

  // Loads the locked kernel (once per Loader; later calls return the same Kernel). Thread-safe.
  [[nodiscard]] Result<std::shared_ptr<const Kernel>> load(std::string_view repo_id);

 private:
  struct State;
  explicit Loader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace kernels
