// Which variants to fetch, and what the cache already holds (ops/download.hpp steps 1 and 2).
#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "kernels/cache/variant_verify.hpp"
#include "kernels/cache/verified_marker.hpp"
#include "kernels/model/variant_selection.hpp"
#include "kernels/ops/download.hpp"
#include "kernels/util/atomic_file.hpp"

#include "ops/download_internal.hpp"

namespace kernels {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "(none)" : text;
}

std::filesystem::path variant_names_path(const CacheRepo& repo, const std::string& commit) {
  // A variant name never starts with '.', so this cannot collide with a marker.
  return repo.folder() / "kernels-verified" / commit / ".variants.json";
}

std::vector<std::string> lock_variant_names(const LockedKernel& kernel) {
  std::vector<std::string> names;
  for (const LockedVariant& variant : kernel.variants)
    names.push_back(variant.name);
  return names;
}

std::string lock_hash_of(const LockedKernel& kernel, const std::string& variant) {
  const VariantLock* lock = kernel.find_variant(variant);
  return lock ? lock->hash : std::string();
}

tl::unexpected<Error> offline_missing(const LockedKernel& kernel, const std::string& what) {
  return fail(ErrorCode::not_found,
              kernel.repo_id + " at " + kernel.sha + ": " + what +
                  " is not in the cache and the Hub is not asked offline; run `kernels download` "
                  "without --offline (and without HF_HUB_OFFLINE=1) to fetch it");
}

}  // namespace

namespace detail {

std::optional<std::vector<std::string>> read_variant_names(const CacheRepo& repo,
                                                           const std::string& commit) {
  std::ifstream file(variant_names_path(repo, commit));
  if (!file) return std::nullopt;
  std::stringstream content;
  content << file.rdbuf();
  try {
    return nlohmann::json::parse(content.str()).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

void write_variant_names(const CacheRepo& repo, const std::string& commit,
                         const std::vector<std::string>& names) {
  const auto path = variant_names_path(repo, commit);
  // A hint for offline choices; losing it only costs a listing later. Not written through a link
  // planted in the cache (create_cache_folders refuses those).
  if (!create_cache_folders(repo.cache_dir, path.parent_path())) return;
  (void)write_file_atomically(path, nlohmann::json(names).dump(),
                              AtomicFileOptions{.durable = false});
}

Result<std::optional<DownloadedVariant>> complete_from_disk(
    const CacheRepo& repo, const std::string& commit, const std::string& variant,
    const std::string& lock_hash, bool accept_unlisted, bool trust_marker) {
  DownloadedVariant done{repo.repo_id,
                         commit,
                         variant,
                         VariantState::cached,
                         repo.variant_dir(commit, variant),
                         0,
                         0,
                         0};
  if (trust_marker) {
    if (auto marker = read_verified_marker(repo, commit, variant);
        marker && marker_still_holds(repo, *marker, lock_hash) &&
        (!lock_hash.empty() || accept_unlisted || marker->lock_hash.empty())) {
      done.files = marker->files.size();
      for (const VerifiedFile& file : marker->files)
        done.bytes += file.size;
      touch_verified_marker(repo, commit, variant);
      return std::optional<DownloadedVariant>(done);
    }
  }
  std::error_code error;
  if (!std::filesystem::is_directory(done.path, error)) return std::optional<DownloadedVariant>{};
  if (lock_hash.empty() && !accept_unlisted) return std::optional<DownloadedVariant>{};
  auto marker = verify_cached_variant(
      repo, VariantVerifyRequest{commit, variant, lock_hash, std::nullopt, {}});
  if (!marker) return tl::unexpected(marker.error());
  // Without a lock hash, the file set was not checked against a listing: no marker then.
  if (!lock_hash.empty()) {
    if (auto written = write_verified_marker(repo, *marker); !written) {
      return tl::unexpected(written.error());
    }
  }
  done.state = VariantState::verified;
  done.files = marker->files.size();
  for (const VerifiedFile& file : marker->files)
    done.bytes += file.size;
  return std::optional<DownloadedVariant>(done);
}

}  // namespace detail

Result<std::vector<std::string>> choose_variants(const std::vector<std::string>& available,
                                                 const DownloadRequest& request,
                                                 const std::string& repo_id) {
  switch (request.choice) {
    case VariantChoice::all:
      if (available.empty()) {
        return fail(ErrorCode::not_found, repo_id + " has no build variants");
      }
      return available;
    case VariantChoice::named:
      for (const std::string& name : request.variants) {
        if (std::find(available.begin(), available.end(), name) == available.end()) {
          return fail(ErrorCode::not_found, repo_id + " has no variant " + name +
                                                "; available variants: " + join(available));
        }
      }
      return request.variants;
    case VariantChoice::best:
      break;
  }
  const VariantSelection selection = select_variant(available, request.system);
  if (const VariantDecision* best = selection.best()) return std::vector<std::string>{best->name};
  return fail(ErrorCode::not_found,
              "no variant of " + repo_id + " fits this system; available variants: " +
                  join(available) + " (`kernels versions " + repo_id +
                  " -v` says why each is rejected; --variant NAME or --all-variants fetch "
                  "others)");
}

namespace {

// Variants known without a request: from the lock, the saved list, or (offline) the snapshot.
std::optional<std::vector<std::string>> known_variants(const LockedKernel& kernel,
                                                       const CacheRepo& repo, bool offline) {
  if (!kernel.variants.empty()) return lock_variant_names(kernel);
  if (auto saved = detail::read_variant_names(repo, kernel.sha)) return saved;
  if (offline) {
    auto cached = cached_variant_names(repo, kernel.sha);
    if (!cached.empty()) return cached;
  }
  return std::nullopt;
}

Result<Lockfile> read_project_lock(const DownloadRequest& request) {
  return read_lockfile(lockfile_path(request.project_dir));
}

}  // namespace

Result<DownloadReport> download_locked(const DownloadRequest& request, HubClient* hub,
                                       const DownloadObserver& observer) {
  auto lockfile = read_project_lock(request);
  if (!lockfile) return tl::unexpected(lockfile.error());
  const bool offline = request.offline || hub == nullptr;
  DownloadReport report;
  std::vector<detail::FetchVariant> wanted;
  for (const LockedKernel& kernel : lockfile->kernels) {
    const CacheRepo repo = find_cache_repo(request.cache_dir, kernel.repo_id);
    auto available = known_variants(kernel, repo, offline);
    if (!available) {
      if (offline) return offline_missing(kernel, "the list of its variants");
      wanted.push_back({&kernel, ""});
      continue;
    }
    auto chosen = choose_variants(*available, request, kernel.repo_id);
    if (!chosen) return tl::unexpected(chosen.error());
    for (const std::string& variant : *chosen) {
      auto done = detail::complete_from_disk(repo, kernel.sha, variant,
                                             lock_hash_of(kernel, variant), offline, true);
      if (done && *done) {
        if (observer.note) {
          observer.note(kernel.repo_id + ": " + variant + " is complete in the cache");
        }
        report.variants.push_back(**done);
        continue;
      }
      if (offline) {
        if (!done) return tl::unexpected(done.error());
        return offline_missing(kernel, "variant " + variant);
      }
      if (!done && observer.note) {
        observer.note("repairing " + kernel.repo_id + " " + variant + ": " + done.error().message);
      }
      wanted.push_back({&kernel, variant});
    }
  }
  if (!wanted.empty()) {
    auto fetched = detail::fetch_variants(request, *hub, wanted, observer, report);
    if (!fetched) return tl::unexpected(fetched.error());
    report.variants.insert(report.variants.end(), fetched->begin(), fetched->end());
  }
  return report;
}

Result<DownloadReport> check_cache(const DownloadRequest& request) {
  auto lockfile = read_project_lock(request);
  if (!lockfile) return tl::unexpected(lockfile.error());
  DownloadReport report;
  for (const LockedKernel& kernel : lockfile->kernels) {
    const CacheRepo repo = find_cache_repo(request.cache_dir, kernel.repo_id);
    auto available = known_variants(kernel, repo, true);
    if (!available) return offline_missing(kernel, "the list of its variants");
    auto chosen = choose_variants(*available, request, kernel.repo_id);
    if (!chosen) return tl::unexpected(chosen.error());
    for (const std::string& variant : *chosen) {
      // A full re-hash: the marker is not trusted here.
      auto done = detail::complete_from_disk(repo, kernel.sha, variant,
                                             lock_hash_of(kernel, variant), true, false);
      if (!done) return tl::unexpected(done.error());
      if (!*done) {
        return fail(ErrorCode::not_found, kernel.repo_id + " variant " + variant + " at " +
                                              kernel.sha +
                                              " is not in the cache; run `kernels download`");
      }
      report.variants.push_back(**done);
    }
  }
  return report;
}

}  // namespace kernels
