#include "kernels/ops/info.hpp"

#include <algorithm>
#include <utility>
#include <variant>

#include "kernels/hub/hub_client.hpp"
#include "kernels/hub/hub_errors.hpp"
#include "kernels/model/specifier.hpp"
#include "kernels/model/version_resolution.hpp"
#include "kernels/ops/variant_trace.hpp"

namespace kernels {
namespace {

// A revision of a Hub repo and the commit it stands for.
struct ResolvedRevision {
  RepoRef repo;
  std::string revision;
  std::string commit;
};

Error with_location(Error error, const std::string& location) {
  if (error.location.empty()) error.location = location;
  return error;
}

Result<ResolvedRevision> resolve_by_info(const RepoRef& repo, const std::string& revision,
                                         HubClient& hub) {
  auto info = hub.repo_info(RepoRevision{repo, revision});
  if (!info) return tl::unexpected(std::move(info.error()));
  return ResolvedRevision{info->repo, revision, info->sha};
}

// The reference's rule: --version N is the branch vN, a revision is used as it is, and without
// either the highest version branch, or main when the repo has none.
Result<ResolvedRevision> resolve_revision(const HubInfoRequest& request, HubClient& hub) {
  const RepoRef asked{request.repo_id, RepoType::kernel};
  if (request.requirement) {
    if (const auto* revision = std::get_if<Revision>(&*request.requirement)) {
      return resolve_by_info(asked, revision->name, hub);
    }
  }
  auto refs = hub.refs(asked);
  if (!refs) return tl::unexpected(std::move(refs.error()));
  if (!request.requirement) {
    const std::vector<BranchVersion> branches = branch_versions(refs->branches);
    if (branches.empty()) return resolve_by_info(refs->repo, "main", hub);
    return ResolvedRevision{refs->repo, branches.back().ref.name,
                            branches.back().ref.target_commit};
  }
  if (const auto* major = std::get_if<MajorVersion>(&*request.requirement)) {
    auto selection = select_branch(refs->branches, major->number, request.repo_id);
    if (!selection) return tl::unexpected(with_location(selection.error(), request.repo_id));
    const GitRef& ref = selection->selected.ref;
    return ResolvedRevision{refs->repo, ref.name, ref.target_commit};
  }
  const auto& text = std::get<VersionSpecifier>(*request.requirement).text;
  auto specifier = parse_specifier_set(text);
  if (!specifier) return tl::unexpected(with_location(specifier.error(), request.repo_id));
  auto tag = select_by_specifier(refs->tags, *specifier, request.repo_id);
  if (!tag) return tl::unexpected(with_location(tag.error(), request.repo_id));
  return ResolvedRevision{refs->repo, tag->ref.name, tag->ref.target_commit};
}

// The variants whose metadata.json may describe the kernel, in the order to try them: the chosen
// one first, then by preference. Names that do not parse are never put into a path.
std::vector<const VariantDecision*> metadata_candidates(const VariantSelection& selection) {
  std::vector<const VariantDecision*> candidates;
  for (const VariantDecision& decision : selection.trace) {
    if (decision.variant) candidates.push_back(&decision);
  }
  return candidates;
}

Result<KernelMetadata> download_metadata(HubClient& hub, const ResolvedRevision& at,
                                         const std::string& variant) {
  const std::string path = "build/" + variant + "/metadata.json";
  auto file = hub.file_metadata(FileQuery{at.repo, at.commit, path});
  if (!file) return tl::unexpected(std::move(file.error()));
  HttpRequest request;
  request.url = file->location;
  request.body = BufferedBody{kMaxMetadataBytes};
  auto response = hub.http().perform_one(std::move(request));
  if (!response) return tl::unexpected(hub.without_token(std::move(response.error())));
  if (!response->is_success()) {
    // Through http(): the token is scrubbed here, as HubClient's own calls scrub it.
    return tl::unexpected(
        hub.without_token(hub_error(*response, file->repo, {"file", at.commit, path})));
  }
  return parse_metadata(response->body, path);
}

void decide_variants(KernelInfo& info, std::vector<std::string> variants,
                     const SystemInfo& system) {
  info.selection = select_variant(variants, system);
  info.backends = backends_of_variants(variants);
  info.variants = std::move(variants);
}

}  // namespace

Result<KernelInfo> kernel_info_from_hub(const HubInfoRequest& request, HubClient& hub) {
  auto resolved = resolve_revision(request, hub);
  if (!resolved) return tl::unexpected(std::move(resolved.error()));
  KernelInfo info;
  info.repo = resolved->repo;
  info.revision = resolved->revision;
  info.commit = resolved->commit;

  auto listing = hub.tree(TreeQuery{resolved->repo, resolved->commit, "build", false});
  std::vector<std::string> variants;
  if (listing) {
    variants = variant_names_from_listing(listing->entries);
  } else if (listing.error().code != ErrorCode::not_found) {
    return tl::unexpected(std::move(listing.error()));
  }
  if (variants.empty()) {
    return fail(ErrorCode::not_found,
                "no build variants in " + request.repo_id + " (revision: " + info.revision +
                    "); a kernel has its builds in build/<variant>/",
                request.repo_id);
  }
  decide_variants(info, std::move(variants), request.system);

  const auto candidates = metadata_candidates(info.selection);
  if (candidates.empty()) {
    info.warnings.push_back("no variant name could be read, so no metadata.json was downloaded");
    return info;
  }
  auto metadata = download_metadata(hub, *resolved, candidates.front()->name);
  if (metadata) {
    info.metadata = std::move(*metadata);
    info.metadata_variant = candidates.front()->name;
  } else if (metadata.error().code == ErrorCode::not_found ||
             metadata.error().code == ErrorCode::invalid_input) {
    info.warnings.push_back("no usable metadata.json in build/" + candidates.front()->name + ": " +
                            metadata.error().describe());
  } else {
    return tl::unexpected(std::move(metadata.error()));
  }
  return info;
}

Result<KernelInfo> kernel_info_from_directory(const std::filesystem::path& directory,
                                              const SystemInfo& system) {
  auto build = find_local_build(directory);
  if (!build) return tl::unexpected(std::move(build.error()));
  KernelInfo info;
  info.path = directory;
  decide_variants(info, std::move(build->variants), system);

  for (const VariantDecision* candidate : metadata_candidates(info.selection)) {
    const auto file = build->build_dir / candidate->name / "metadata.json";
    std::error_code error;
    if (!std::filesystem::exists(file, error)) continue;
    auto metadata = read_metadata(file);
    if (!metadata) {
      info.warnings.push_back(metadata.error().describe());
      continue;
    }
    info.metadata = std::move(*metadata);
    info.metadata_variant = candidate->name;
    return info;
  }
  info.warnings.push_back("no variant in " + build->build_dir.string() +
                          " has a readable metadata.json");
  return info;
}

}  // namespace kernels
