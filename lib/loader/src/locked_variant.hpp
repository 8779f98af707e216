#pragma once

// The locked variant this process should load, and the check that the cache still holds exactly
// what the lock promised (DESIGN.md: the loader loads only what matches the lock).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cache/cache_layout.hpp"
#include "kernels/loader/loader.hpp"
#include "kernels/model/lockfile.hpp"

namespace kernels::loader_detail {

using LogLine = std::function<void(LoaderLogLevel, const std::string&)>;

// The best variant for `system` among those of the locked commit that the cache holds (and, in
// the hashes format, that the lock lists). not_found names the variant `kernels download` would
// fetch when none is cached.
[[nodiscard]] Result<std::string> choose_cached_variant(const CacheRepo& repo,
                                                        const LockedKernel& locked,
                                                        const SystemInfo& system,
                                                        const LogLine& log);

// A variant that passed the check, with the files it was checked with (repository paths,
// build/<variant>/...): opening it needs no second listing of its folder.
struct VerifiedVariant {
  KernelVerification verification = KernelVerification::full;
  std::vector<std::string> files;
};

// Checks the cached variant against the lock: the verified marker when it still holds and
// `verify` allows it, else every file re-hashed (and the marker rewritten, best effort: the cache
// may be read-only). integrity errors say that `kernels download` repairs the cache.
[[nodiscard]] Result<VerifiedVariant> verify_locked_variant(const CacheRepo& repo,
                                                            const LockedKernel& locked,
                                                            const std::string& variant,
                                                            LoaderVerify verify,
                                                            const LogLine& log);

}  // namespace kernels::loader_detail
