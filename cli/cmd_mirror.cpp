// `kernels mirror add | pull`: fill a mirror directory that `kernels serve` serves.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/hub/hub_types.hpp"
#include "kernels/hub/url.hpp"
#include "kernels/mirror/add_build.hpp"
#include "kernels/mirror/pull.hpp"
#include "kernels/mirror/store.hpp"
#include "kernels/model/kernel_ref.hpp"
#include "kernels/ops/project_edit.hpp"
#include "kernels/util/environment.hpp"

#include "cli_settings.hpp"
#include "command.hpp"
#include "download_progress.hpp"
#include "hub_from_cli.hpp"

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
  unsigned jobs = 8;
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

Result<mirror::PullRequest> pull_request_from(const std::string& text) {
  auto ref = parse_kernel_ref(text);
  if (!ref) return fail(ErrorCode::usage, "'" + text + "': " + ref.error().message);
  if (ref->layer) {
    return fail(ErrorCode::usage, "'" + text +
                                      "' names a layer; `mirror pull` copies a whole repo, give "
                                      "REPO or REPO@SPEC without :" +
                                      *ref->layer);
  }
  // A malformed specifier is the command line's fault (exit 2), found before any request.
  auto requirement = requirement_from_ref(*ref);
  if (!requirement) return tl::unexpected(requirement.error());
  auto date = commit_date(Environment::from_process());
  if (!date) return tl::unexpected(date.error());
  return mirror::PullRequest{ref->repo_id, *requirement, *date};
}

std::vector<std::string> ref_names(const mirror::PulledCommit& commit) {
  std::vector<std::string> names;
  for (const std::string& tag : commit.tags)
    names.push_back("tag " + tag);
  for (const std::string& branch : commit.branches)
    names.push_back("branch " + branch);
  return names;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items)
    text += (text.empty() ? "" : ", ") + item;
  return text.empty() ? "none" : text;
}

nlohmann::json pull_json(const mirror::PullResult& result, const std::string& endpoint) {
  nlohmann::json commits = nlohmann::json::array();
  for (const mirror::PulledCommit& commit : result.commits) {
    commits.push_back({{"commit", commit.commit},
                       {"revision", commit.revision},
                       {"added", commit.added},
                       {"files", commit.files},
                       {"lfs_files", commit.lfs_files},
                       {"bytes", commit.bytes},
                       {"files_fetched", commit.files_fetched},
                       {"bytes_fetched", commit.bytes_fetched},
                       {"branches", commit.branches},
                       {"tags", commit.tags}});
  }
  nlohmann::json moved = nlohmann::json::array();
  for (const mirror::MovedRef& ref : result.moved) {
    moved.push_back({{"ref", ref.name}, {"from", ref.from}, {"to", ref.to}});
  }
  return {
      {"repo", result.repo_id},
      {"type", std::string(to_string(result.type))},
      {"from", endpoint},
      {"commit", result.commits.front().commit},
      {"created_repo", result.created_repo},
      {"trusted_publisher", result.trusted_publisher},
      {"commits", std::move(commits)},
      {"moved_refs", std::move(moved)},
      {"skipped_refs", result.skipped_refs},
      {"redirect", result.redirect ? nlohmann::json(*result.redirect) : nlohmann::json(nullptr)}};
}

Result<void> run_pull(const MirrorPullOptions& options, Context& context) {
  auto request = pull_request_from(options.kernel);
  if (!request) return tl::unexpected(request.error());
  auto settings = settings_from(context.global);
  if (!settings) return tl::unexpected(settings.error());
  // The upstream replaces --endpoint and HF_ENDPOINT; the token settings stay, so the token goes
  // to --from and to nothing else.
  auto endpoint = make_hub_endpoint(options.from);
  if (!endpoint) return fail(ErrorCode::usage, "--from: " + endpoint.error().message);
  settings->endpoint = Setting<std::string>{endpoint->url, {SettingOrigin::Kind::flag, "--from"}};
  auto hub = hub_client_from(*settings, static_cast<int>(options.jobs));
  if (!hub) return tl::unexpected(hub.error());

  DownloadProgress progress(progress_style(context.global));
  auto result = mirror::pull(options.mirror_dir, *hub, *request, progress.observer());
  progress.finish();
  if (!result) return tl::unexpected(result.error());

  const std::string shown = redact_url(endpoint->url);
  context.out.json_document(pull_json(*result, shown).dump(2));
  // One line per commit, its id first (`| cut -d' ' -f1` of the first line is what was asked).
  for (const mirror::PulledCommit& commit : result->commits) {
    context.out.line(commit.commit + " " + result->repo_id + "@" + commit.revision + ": " +
                     (commit.added ? "added " : "already in the mirror, ") +
                     std::to_string(commit.files) + " files (" + std::to_string(commit.lfs_files) +
                     " in LFS, " + human_bytes(commit.bytes) + "), fetched " +
                     std::to_string(commit.files_fetched) + " (" +
                     human_bytes(commit.bytes_fetched) + ") from " + shown +
                     "; refs: " + joined(ref_names(commit)));
  }
  for (const mirror::MovedRef& ref : result->moved) {
    context.out.note("moved " + ref.name + " from " + ref.from + " to " + ref.to +
                     " (as upstream did)");
  }
  if (result->redirect) {
    context.out.note(result->repo_id + " says it moved to " + *result->redirect +
                     " (kernel-status.toml); locks against the mirror follow that, so pull " +
                     *result->redirect + " too");
  }
  for (const std::string& ref : result->skipped_refs) {
    context.out.note("skipped upstream " + ref + ": the mirror cannot hold that name");
  }
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
  pull->add_option("--mirror", pull_options->mirror_dir, "Mirror directory (created when missing)")
      ->type_name("DIR")
      ->capture_default_str();
  pull->add_option("-j,--jobs", pull_options->jobs, "Parallel transfers")
      ->check(CLI::Range(1U, 256U))
      ->capture_default_str();
  pull->footer(
      "SPEC is what `kernels lock` reads: >=1,<2 or ^1.2 (the highest matching v<version> tag),\n"
      "1 or v1 (the branch v1), v1.2.0 (that tag), or a branch, tag or commit; none: main.\n"
      "Copies every file of that commit (and of upstream main, where kernel-status.toml is read),\n"
      "each checked against the upstream's listing, keeping the upstream's commit id and the refs\n"
      "that point to it, so that a lock against `kernels serve DIR` equals one against URL.\n"
      "The token (--token, HF_TOKEN, the token file) is sent to URL only.\n"
      "Prints a line per pulled commit, its id first (with --json: a JSON document).\n"
      "Exit codes: 4 when a byte does not match the listing (no commit or ref is recorded),\n"
      "5 when URL fails, 6 when the repo or version does not exist there.\n"
      "Example:\n"
      "  kernels mirror pull kernels-community/relu@'>=1,<2' --from https://huggingface.co "
      "--mirror DIR");

  return {Command{add,
                  [add_options](Context& context) -> Result<void> {
                    return run_add(*add_options, context);
                  }},
          Command{pull, [pull_options](Context& context) -> Result<void> {
                    return run_pull(*pull_options, context);
                  }}};
}

}  // namespace kernels::cli
