#include "locked_variant.hpp"

#include <algorithm>

#include "kernels/cache/variant_verify.hpp"
#include "kernels/cache/verified_marker.hpp"
#include "kernels/model/variant_selection.hpp"

namespace kernels::loader_detail {
namespace {

std::string short_commit(const std::string& commit) {
  return commit.substr(0, 12);
}

std::string where(const LockedKernel& locked) {
  return locked.repo_id + " (commit " + short_commit(locked.sha) + ")";
}

std::vector<std::string> paths_of(const std::vector<VerifiedFile>& files) {
  std::vector<std::string> paths;
  paths.reserve(files.size());
  for (const VerifiedFile& file : files)
    paths.push_back(file.path);
  return paths;
}

tl::unexpected<Error> add_fix(Error error) {
  error.message += "; run `kernels download` to fetch and repair the locked files";
  return tl::unexpected(std::move(error));
}

}  // namespace

Result<std::string> choose_cached_variant(const CacheRepo& repo, const LockedKernel& locked,
                                          const SystemInfo& system, const LogLine& log) {
  std::vector<std::string> names = cached_variant_names(repo, locked.sha);
  if (!locked.variants.empty()) {
    std::erase_if(names, [&](const std::string& name) {
      const bool unlocked = locked.find_variant(name) == nullptr;
      if (unlocked)
        log(LoaderLogLevel::debug, where(locked) + ": skipping " + name + ", not in the lock");
      return unlocked;
    });
  }
  const VariantSelection selection = select_variant(names, system);
  if (const VariantDecision* best = selection.best(); best != nullptr) return best->name;

  std::string message = "Locked kernel " + where(locked) +
                        " was not downloaded or does not have a variant for this system in " +
                        repo.cache_dir.string();
  if (!selection.trace.empty()) {
    message += " (cached: ";
    for (std::size_t i = 0; i < selection.trace.size(); ++i) {
      const auto& decision = selection.trace[i];
      message += (i > 0 ? "; " : "") + decision.name + ": " + decision.reason;
    }
    message += ")";
  }
  std::vector<std::string> locked_names;
  for (const LockedVariant& variant : locked.variants)
    locked_names.push_back(variant.name);
  const VariantSelection locked_selection = select_variant(locked_names, system);
  if (const auto* wanted = locked_selection.best(); wanted != nullptr) {
    message += "; run `kernels download` to fetch " + wanted->name;
  } else if (!locked.variants.empty()) {
    message += "; the lock has no variant for this system either (see `kernels info " +
               locked.repo_id + "`)";
  } else {
    message += "; run `kernels download`";
  }
  return fail(ErrorCode::not_found, std::move(message));
}

Result<VerifiedVariant> verify_locked_variant(const CacheRepo& repo, const LockedKernel& locked,
                                              const std::string& variant, LoaderVerify verify,
                                              const LogLine& log) {
  const VariantLock* lock = locked.find_variant(variant);
  const std::string lock_hash = lock != nullptr ? lock->hash : std::string();
  const auto marker = read_verified_marker(repo, locked.sha, variant);
  // marker_still_holds also checks that the marker was made for this lock hash.
  if (verify == LoaderVerify::marker && marker && marker_still_holds(repo, *marker, lock_hash)) {
    touch_verified_marker(repo, locked.sha, variant);
    return VerifiedVariant{KernelVerification::marker, paths_of(marker->files)};
  }

  VariantVerifyRequest request{locked.sha, variant, lock_hash, std::nullopt, {}};
  if (lock_hash.empty()) {
    // The commits format has no hash to check against: the file list of the marker `kernels
    // download` wrote after checking the Hub's listing is the promise, re-hashed here.
    if (!marker) {
      return fail(ErrorCode::integrity,
                  where(locked) + " " + variant +
                      ": the lock has no variant hashes and the cache has no verified marker "
                      "for it; run `kernels download` to verify it");
    }
    std::vector<CacheFile> files;
    for (const VerifiedFile& file : marker->files)
      files.push_back(CacheFile{file.path, file.etag, file.size});
    request.expected = std::move(files);
  }
  log(LoaderLogLevel::info, where(locked) + " " + variant + ": re-hashing every file" +
                                (marker ? "" : " (no verified marker)"));
  auto verified = verify_cached_variant(repo, request);
  if (!verified) return add_fix(verified.error());
  if (!lock_hash.empty()) {
    if (auto written = write_verified_marker(repo, *verified); !written) {
      log(LoaderLogLevel::debug, "verified marker not written: " + written.error().describe());
    }
  }
  return VerifiedVariant{KernelVerification::full, paths_of(verified->files)};
}

}  // namespace kernels::loader_detail
