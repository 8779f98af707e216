// `kernels bundle export | import`: the locked variants as one archive for air-gapped machines.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/ops/bundle.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "download_progress.hpp"

namespace kernels::cli {
namespace {

struct BundleOptions {
  std::string file;
  bool all_variants = false;
  std::vector<std::string> variants;
  SystemOptions system_options;
};

void print_report(const BundleReport& report, bool exported, Context& context) {
  nlohmann::json variants = nlohmann::json::array();
  for (const BundledVariant& variant : report.variants) {
    variants.push_back({{"repo_id", variant.repo_id},
                        {"commit", variant.commit},
                        {"variant", variant.variant},
                        {"files", variant.files},
                        {"bytes", variant.bytes}});
    if (!context.global.quiet)
      context.out.line(variant.repo_id + " " + variant.variant + " (" +
                       variant.commit.substr(0, 12) + "): " + std::to_string(variant.files) +
                       " files, " + human_bytes(variant.bytes) +
                       (exported ? " exported" : " verified"));
  }
  if (!context.global.quiet) {
    context.out.line(
        exported ? "wrote " + report.archive.string() + ": " + std::to_string(report.blobs) +
                       " blobs, " + human_bytes(report.blob_bytes)
                 : "imported " + report.archive.string() + ": " + std::to_string(report.blobs) +
                       " blobs written (" + human_bytes(report.blob_bytes) + "), " +
                       std::to_string(report.blobs_already_cached) + " already in the cache");
  }
  context.out.json_document(nlohmann::json{{"archive", report.archive.string()},
                                           {"variants", variants},
                                           {"blobs", report.blobs},
                                           {"blob_bytes", report.blob_bytes},
                                           {"blobs_already_cached", report.blobs_already_cached}}
                                .dump(2));
}

Result<DownloadRequest> request_from(const BundleOptions& options, Context& context,
                                     bool choose_for_system) {
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  DownloadRequest request;
  request.project_dir = context.global.project_dir;
  request.cache_dir = settings->cache_dir.value;
  request.offline = true;  // a bundle never needs the network
  if (options.all_variants) {
    request.choice = VariantChoice::all;
  } else if (!options.variants.empty()) {
    request.choice = VariantChoice::named;
    request.variants = options.variants;
  } else if (choose_for_system) {
    auto detected = detect_system_from(options.system_options);
    if (!detected) return tl::unexpected(detected.error());
    request.system = detected->system;
  }
  return request;
}

}  // namespace

std::vector<Command> setup_bundle(CLI::App& app) {
  CLI::App* bundle =
      app.add_subcommand("bundle", "Move locked kernels to machines without network");
  bundle->require_subcommand(1);

  auto export_options = std::make_shared<BundleOptions>();
  CLI::App* exporter = bundle->add_subcommand(
      "export", "Write the locked variants, verified from the cache, to a .tar.zst archive");
  exporter->add_option("file", export_options->file, "Archive to write (.tar.zst)")
      ->required()
      ->type_name("FILE");
  auto* all = exporter->add_flag("--all-variants", export_options->all_variants,
                                 "Every locked variant, not only the best one for this system");
  exporter->add_option("--variant", export_options->variants, "Only these variants (repeatable)")
      ->excludes(all)
      ->type_name("NAME");
  add_system_options(*exporter, export_options->system_options);
  exporter->footer(
      "The variants must be in the cache (`kernels download` with the same options first);\n"
      "they are re-hashed against kernels.lock before they are written.\n"
      "Example (for a fleet of other machines):\n"
      "  kernels download --all-variants && kernels bundle export kernels.tar.zst --all-variants");

  auto import_options = std::make_shared<BundleOptions>();
  CLI::App* importer = bundle->add_subcommand(
      "import", "Verify an archive against kernels.lock and add its kernels to the cache");
  importer->add_option("file", import_options->file, "Archive to read")
      ->required()
      ->type_name("FILE");
  importer->footer(
      "Exit codes: 4 when the archive does not match kernels.lock or a blob its name (nothing\n"
      "unverified is published), 1 for a damaged or foreign archive.");

  return {Command{exporter,
                  [export_options](Context& context) -> Result<void> {
                    auto request = request_from(*export_options, context, true);
                    if (!request) return tl::unexpected(request.error());
                    auto report = export_bundle(*request, export_options->file);
                    if (!report) return tl::unexpected(report.error());
                    print_report(*report, true, context);
                    return {};
                  }},
          Command{importer, [import_options](Context& context) -> Result<void> {
                    auto request = request_from(*import_options, context, false);
                    if (!request) return tl::unexpected(request.error());
                    auto report = import_bundle(*request, import_options->file);
                    if (!report) return tl::unexpected(report.error());
                    print_report(*report, false, context);
                    return {};
                  }}};
}

}  // namespace kernels::cli
