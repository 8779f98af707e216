// `kernels bundle export`: the verified locked variants of a project into one archive.
#include <set>
#include <utility>

#include "kernels/archive/tar_archive.hpp"
#include "kernels/cache/variant_verify.hpp"
#include "kernels/ops/bundle.hpp"

#include "ops/bundle_manifest.hpp"
#include "ops/download_internal.hpp"

namespace kernels {

Result<BundleReport> export_bundle(const DownloadRequest& request,
                                   const std::filesystem::path& archive) {
  // A full re-hash against the lock first: a bundle never carries bytes the lock would refuse.
  auto checked = check_cache(request);
  if (!checked) return tl::unexpected(checked.error());
  auto lockfile = read_lockfile(lockfile_path(request.project_dir));
  if (!lockfile) return tl::unexpected(lockfile.error());

  BundleReport report;
  report.archive = archive;
  detail::BundleManifest manifest;
  for (const DownloadedVariant& done : checked->variants) {
    const CacheRepo repo = find_cache_repo(request.cache_dir, done.repo_id);
    auto files = list_cached_variant(repo, done.commit, done.variant);
    if (!files) return tl::unexpected(files.error());
    const LockedKernel* locked = lockfile->find(done.repo_id);
    const VariantLock* lock = locked ? locked->find_variant(done.variant) : nullptr;

    auto kernel = std::find_if(manifest.kernels.begin(), manifest.kernels.end(),
                               [&](const auto& entry) { return entry.repo_id == done.repo_id; });
    if (kernel == manifest.kernels.end()) {
      manifest.kernels.push_back({done.repo_id, repo.type, done.commit, {}});
      kernel = std::prev(manifest.kernels.end());
    }
    kernel->variants.push_back({done.variant, lock ? lock->hash : std::string(), *files});
    BundledVariant bundled{done.repo_id, done.commit, done.variant, files->size(), 0};
    for (const CacheFile& file : *files)
      bundled.bytes += file.size;
    report.variants.push_back(std::move(bundled));
  }

  auto writer = TarWriter::create(archive);
  if (!writer) return tl::unexpected(writer.error());
  if (auto added = writer->add_bytes(detail::kBundleManifestName,
                                     detail::serialize_bundle_manifest(manifest));
      !added)
    return tl::unexpected(added.error());
  std::set<std::string> written;
  for (const detail::BundleKernelEntry& kernel : manifest.kernels) {
    const CacheRepo repo{request.cache_dir, kernel.repo_id, kernel.type};
    for (const detail::BundleVariantEntry& variant : kernel.variants) {
      for (const CacheFile& file : variant.files) {
        const std::string member = detail::bundle_blob_member(repo, file.etag);
        if (!written.insert(member).second) continue;
        if (auto added = writer->add_file(member, repo.blob_path(file.etag)); !added)
          return tl::unexpected(added.error());
        ++report.blobs;
        report.blob_bytes += file.size;
      }
    }
  }
  if (auto finished = writer->finish(); !finished) return tl::unexpected(finished.error());
  return report;
}

}  // namespace kernels
