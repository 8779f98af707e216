// `kernels bundle export | import`: the locked variants as one archive for air-gapped machines.
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"

namespace kernels::cli {
namespace {

struct BundleOptions {
  std::string file;
};

}  // namespace

std::vector<Command> setup_bundle(CLI::App& app) {
  CLI::App* bundle =
      app.add_subcommand("bundle", "Move locked kernels to machines without network");
  bundle->require_subcommand(1);

  auto export_options = std::make_shared<BundleOptions>();
  CLI::App* exporter = bundle->add_subcommand("export", "Write the locked variants to an archive");
  exporter->add_option("file", export_options->file, "Archive to write (.tar.zst)")->required();

  auto import_options = std::make_shared<BundleOptions>();
  CLI::App* importer = bundle->add_subcommand(
      "import", "Verify an archive against the lock and add it to the cache");
  importer->add_option("file", import_options->file, "Archive to read")->required();

  return {Command{exporter,
                  [export_options](Context&) -> Result<void> {
                    return tl::unexpected(not_implemented("bundle export"));
                  }},
          Command{importer, [import_options](Context&) -> Result<void> {
                    return tl::unexpected(not_implemented("bundle import"));
                  }}};
}

}  // namespace kernels::cli
