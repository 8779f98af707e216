// `kernels bundle import`: an archive's blobs into the cache, verified against the project's lock.
#include <array>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "kernels/cache/blob_store.hpp"
#include "kernels/cache/variant_verify.hpp"
#include "kernels/cache/verified_marker.hpp"
#include "kernels/ops/bundle.hpp"
#include "kernels/archive/tar_archive.hpp"

#include "ops/bundle_manifest.hpp"

namespace kernels {
namespace {

using detail::BundleKernelEntry;
using detail::BundleManifest;
using detail::BundleVariantEntry;

// The manifest must agree with kernels.lock before a byte is written: same commit for every
// kernel, and for a lock with hashes the same hash for every variant (the manifest's own hash was
// already recomputed from its file list when it was parsed).
Result<void> check_against_lock(const BundleManifest& manifest, const Lockfile& lockfile,
                                const std::filesystem::path& lock_path) {
  for (const BundleKernelEntry& kernel : manifest.kernels) {
    const LockedKernel* locked = lockfile.find(kernel.repo_id);
    if (locked == nullptr)
      return fail(ErrorCode::integrity,
                  "the bundle holds " + kernel.repo_id + ", which " + lock_path.string() +
                      " does not lock; export the bundle from the same kernels.lock");
    if (locked->sha != kernel.commit)
      return fail(ErrorCode::integrity, "the bundle holds " + kernel.repo_id + " at " +
                                            kernel.commit + " but " + lock_path.string() +
                                            " locks " + locked->sha +
                                            "; export the bundle from the same kernels.lock");
    for (const BundleVariantEntry& variant : kernel.variants) {
      if (locked->variants.empty()) continue;  // dependency_commits: commits only
      const VariantLock* lock = locked->find_variant(variant.name);
      if (lock == nullptr)
        return fail(ErrorCode::integrity, "the bundle holds " + kernel.repo_id + " variant " +
                                              variant.name + ", which " + lock_path.string() +
                                              " does not list");
      if (lock->hash != variant.lock_hash)
        return fail(ErrorCode::integrity, kernel.repo_id + " variant " + variant.name +
                                              ": the bundle's files hash to " + variant.lock_hash +
                                              " but the lock expects " + lock->hash);
    }
  }
  return {};
}

struct ExpectedBlob {
  CacheRepo repo;
  CacheFile file;
  bool seen = false;
};

Result<void> read_manifest_member(const TarMember& member, const TarDataReader& reader,
                                  std::string& text) {
  if (member.path != detail::kBundleManifestName)
    return fail(ErrorCode::invalid_input,
                "the bundle's first member is '" + member.path +
                    "', not manifest.json; the archive was not written by `kernels bundle export`");
  if (member.size > detail::kMaxBundleManifestBytes)
    return fail(ErrorCode::invalid_input, "the bundle's manifest.json is too large");
  std::array<std::byte, 65536> buffer{};
  while (true) {
    auto got = reader(buffer);
    if (!got) return tl::unexpected(got.error());
    if (*got == 0) break;
    text.append(reinterpret_cast<const char*>(buffer.data()), *got);
    if (text.size() > detail::kMaxBundleManifestBytes)
      return fail(ErrorCode::invalid_input, "the bundle's manifest.json is too large");
  }
  return {};
}

enum class BlobOutcome { written, already_cached };

// One blob member into blobs/<etag>: under the blob's lock, hashed as it streams, published only
// when it matches its name and the manifest's size. A blob already in the cache is re-hashed;
// a damaged one is replaced from the archive (the air-gapped way to repair a cache).
Result<BlobOutcome> import_blob(ExpectedBlob& blob, const TarMember& member,
                                const TarDataReader& reader) {
  if (member.size != blob.file.size)
    return fail(ErrorCode::integrity,
                "bundle member " + member.path + " has " + std::to_string(member.size) +
                    " bytes; the manifest says " + std::to_string(blob.file.size));
  auto lock = CacheFileLock::acquire(blob.repo.lock_path(blob.file.etag));
  if (!lock) return tl::unexpected(lock.error());
  const auto published_path = blob.repo.blob_path(blob.file.etag);
  std::error_code error;
  if (std::filesystem::exists(published_path, error)) {
    auto digest = hash_cached_file(published_path, blob.file.etag);
    if (digest && *digest == blob.file.etag) return BlobOutcome::already_cached;
    std::filesystem::remove(published_path, error);
    if (error)
      return fail(ErrorCode::io, "cannot replace the damaged blob " + published_path.string() +
                                     ": " + error.message());
  }
  auto writer = BlobWriter::open(blob.repo, blob.file);
  if (!writer) return tl::unexpected(writer.error());
  // Bytes a killed download left in .incomplete are not this member's stream: start over.
  if (writer->resume_offset() != 0) {
    if (auto restarted = writer->restart(); !restarted) return tl::unexpected(restarted.error());
  }
  std::array<std::byte, 65536> buffer{};
  while (true) {
    auto got = reader(buffer);
    if (!got) {
      writer->discard();
      return tl::unexpected(got.error());
    }
    if (*got == 0) break;
    if (auto appended = writer->append(std::span(buffer.data(), *got)); !appended)
      return tl::unexpected(appended.error());
  }
  if (auto published = writer->publish(); !published) {
    Error failure = published.error();
    failure.message = "bundle member " + member.path + ": " + failure.message;
    return tl::unexpected(std::move(failure));
  }
  return BlobOutcome::written;
}

}  // namespace

Result<BundleReport> import_bundle(const DownloadRequest& request,
                                   const std::filesystem::path& archive) {
  const std::filesystem::path lock_path = lockfile_path(request.project_dir);
  auto lockfile = read_lockfile(lock_path);
  if (!lockfile) return tl::unexpected(lockfile.error());

  BundleReport report;
  report.archive = archive;
  std::optional<BundleManifest> manifest;
  std::map<std::string, ExpectedBlob> expected;  // by member path
  std::set<std::string> fresh;                   // "<folder>/<etag>" written by this import

  auto read =
      read_tar(archive, [&](const TarMember& member, const TarDataReader& reader) -> Result<void> {
        if (!manifest) {
          std::string text;
          if (auto ok = read_manifest_member(member, reader, text); !ok) return ok;
          auto parsed = detail::parse_bundle_manifest(text);
          if (!parsed) return tl::unexpected(parsed.error());
          if (auto agrees = check_against_lock(*parsed, *lockfile, lock_path); !agrees)
            return agrees;
          for (const BundleKernelEntry& kernel : parsed->kernels) {
            const CacheRepo repo{request.cache_dir, kernel.repo_id, kernel.type};
            for (const BundleVariantEntry& variant : kernel.variants) {
              for (const CacheFile& file : variant.files)
                expected.emplace(detail::bundle_blob_member(repo, file.etag),
                                 ExpectedBlob{repo, file, false});
            }
          }
          manifest = std::move(*parsed);
          return {};
        }
        const auto found = expected.find(member.path);
        if (found == expected.end())
          return fail(ErrorCode::invalid_input, "bundle member '" + member.path +
                                                    "' is not announced by its manifest; refusing "
                                                    "the archive");
        if (found->second.seen)
          return fail(ErrorCode::invalid_input,
                      "bundle member '" + member.path + "' appears twice; refusing the archive");
        found->second.seen = true;
        auto written = import_blob(found->second, member, reader);
        if (!written) return tl::unexpected(written.error());
        // Either way the blob was hashed just now: the final verification need not hash it again.
        fresh.insert(found->second.repo.folder_name() + "/" + found->second.file.etag);
        if (*written == BlobOutcome::written) {
          ++report.blobs;
          report.blob_bytes += member.size;
        } else {
          ++report.blobs_already_cached;
        }
        return {};
      });
  if (!read) return tl::unexpected(read.error());
  if (!manifest) return fail(ErrorCode::invalid_input, archive.string() + " is an empty archive");

  for (const BundleKernelEntry& kernel : manifest->kernels) {
    const CacheRepo repo{request.cache_dir, kernel.repo_id, kernel.type};
    for (const BundleVariantEntry& variant : kernel.variants) {
      VariantVerifyRequest verify{
          kernel.commit, variant.name, variant.lock_hash, variant.files, {}};
      for (const CacheFile& file : variant.files) {
        std::error_code error;
        if (!std::filesystem::exists(repo.blob_path(file.etag), error))
          return fail(ErrorCode::integrity, "the bundle lacks " + kernel.repo_id + " " + file.path +
                                                " (blob " + file.etag +
                                                ") and the cache does not have it either");
        if (fresh.count(repo.folder_name() + "/" + file.etag) != 0)
          verify.fresh_etags.insert(file.etag);
        if (auto linked = link_snapshot_file(repo, kernel.commit, file); !linked)
          return tl::unexpected(linked.error());
      }
      auto marker = verify_cached_variant(repo, verify);
      if (!marker) return tl::unexpected(marker.error());
      if (auto written = write_verified_marker(repo, *marker); !written)
        return tl::unexpected(written.error());
      BundledVariant bundled{kernel.repo_id, kernel.commit, variant.name, variant.files.size(), 0};
      for (const CacheFile& file : variant.files)
        bundled.bytes += file.size;
      report.variants.push_back(std::move(bundled));
    }
  }
  return report;
}

}  // namespace kernels
