// `kernels mirror add | pull`: fill a mirror directory that `kernels serve` serves.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/mirror/add_build.hpp"
#include "kernels/mirror/store.hpp"
#include "kernels/util/environment.hpp"

#include "command.hpp"

namespace kernels::cli {
namespace {

struct MirrorAddOptions {
  std::string build_dir;
  std::string repo;
  std::string tag;
  std::string branch;
  std::string mirror_dir = ".";
  std::string type = "kernel";
  std::string message;
  bool make_private = false;
  bool trusted_publisher = false;
};

struct MirrorPullOptions {
  std::string kernel;
  std::string from;
  std::string mirror_dir = ".";
};

// The commit date: SOURCE_DATE_EPOCH when set (reproducible mirrors and tests), else now.
Result<std::int64_t> commit_date(const Environment& environment) {
  const auto epoch = environment.get_non_empty("SOURCE_DATE_EPOCH");
  if (!epoch) {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t seconds = 0;
  const char* end = epoch->data() + epoch->size();
  const auto [stop, error] = std::from_chars(epoch->data(), end, seconds);
  if (error != std::errc{} || stop != end || seconds < 0) {
    return fail(ErrorCode::invalid_input,
                "SOURCE_DATE_EPOCH='" + *epoch +
                    "' is not a number of seconds since 1970; set it to an integer or unset it");
  }
  return seconds;
}

Result<void> run_add(const MirrorAddOptions& options, Context& context) {
  auto type = mirror::parse_repo_type(options.type);
  if (!type) return tl::unexpected(type.error());
  auto date = commit_date(Environment::from_process());
  if (!date) return tl::unexpected(date.error());
  auto store = mirror::Store::open_or_create(options.mirror_dir);
  if (!store) return tl::unexpected(store.error());

  mirror::AddBuildOptions add;
  add.build_dir = options.build_dir;
  add.repo_id = options.repo;
  add.type = *type;
  add.tag = options.tag;
  add.branch = options.branch;
  add.message = options.message;
  add.created_unix_seconds = *date;
  add.make_private = options.make_private;
  add.trusted_publisher = options.trusted_publisher;
  auto added = mirror::add_build(*store, add);
  if (!added) return tl::unexpected(added.error());

  std::vector<std::string> branches{"main"};
  if (!options.branch.empty() && options.branch != "main") branches.push_back(options.branch);
  const nlohmann::json document = {
      {"repo", options.repo},
      {"type", options.type},
      {"commit", added->commit},
      {"parent", added->parent ? nlohmann::json(*added->parent) : nlohmann::json(nullptr)},
      {"created_repo", added->created_repo},
      {"files", added->files},
      {"lfs_files", added->lfs_files},
      {"bytes", added->bytes},
      {"branches", branches},
      {"tag", options.tag.empty() ? nlohmann::json(nullptr) : nlohmann::json(options.tag)}};
  context.out.json_document(document.dump(2));
  context.out.line(added->commit);
  context.out.note("added " + std::to_string(added->files) + " files (" +
                   std::to_string(added->lfs_files) + " in LFS) to " + options.repo +
                   (added->created_repo ? " (new repo)" : ""));
  return {};
}

}  // namespace

std::vector<Command> setup_mirror(CLI::App& app) {
  CLI::App* mirror = app.add_subcommand("mirror", "Fill a mirror directory for `kernels serve`");
  mirror->require_subcommand(1);

  auto add_options = std::make_shared<MirrorAddOptions>();
  CLI::App* add =
      mirror->add_subcommand("add", "Add a local kernel build as a new commit of a repo");
  add->add_option("build_dir", add_options->build_dir, "Folder holding build/<variant>/...")
      ->required()
      ->type_name("BUILD_DIR");
  add->add_option("--repo", add_options->repo, "Repository to commit to")
      ->required()
      ->type_name("ORG/NAME");
  add->add_option("--tag", add_options->tag, "Tag the new commit (e.g. v1.2.0)");
  add->add_option("--branch", add_options->branch, "Move this branch to the new commit (e.g. v1)");
  add->add_option("--mirror", add_options->mirror_dir, "Mirror directory")
      ->type_name("DIR")
      ->capture_default_str();
  add->add_option("--type", add_options->type, "Repo type: kernel or model")
      ->check(CLI::IsMember({"kernel", "model"}))
      ->capture_default_str();
  add->add_option("--message", add_options->message, "Commit message (default: \"Add build\")")
      ->type_name("M");
  add->add_flag(
      "--private", add_options->make_private,
      "Mark the repo private: `kernels serve --require-token` hides it without the token");
  add->add_flag("--trusted-publisher", add_options->trusted_publisher,
                "Mark the repo's organization a trusted kernel publisher (organization overview)");
  add->footer(
      "The commit date is SOURCE_DATE_EPOCH when set (same files, same date: same commit id).\n"
      "Prints the new commit id (with --json: a JSON document).");

  auto pull_options = std::make_shared<MirrorPullOptions>();
  CLI::App* pull = mirror->add_subcommand("pull", "Copy a kernel from another Hub into the mirror");
  pull->add_option("kernel", pull_options->kernel, "Kernel to copy")
      ->required()
      ->type_name("REPO[@SPEC]");
  pull->add_option("--from", pull_options->from, "Endpoint to copy from")
      ->required()
      ->type_name("URL");
  pull->add_option("--mirror", pull_options->mirror_dir, "Mirror directory")
      ->type_name("DIR")
      ->capture_default_str();

  return {Command{add,
                  [add_options](Context& context) -> Result<void> {
                    return run_add(*add_options, context);
                  }},
          Command{pull, [pull_options](Context&) -> Result<void> {
                    return tl::unexpected(not_implemented("mirror pull"));
                  }}};
}

}  // namespace kernels::cli
