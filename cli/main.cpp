// The `kernels` executable: parse the command line, run one command, map its error to an exit code.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "kernels/build_info.hpp"
#include "kernels/exit_code.hpp"

#include "command.hpp"
#include "global_options.hpp"
#include "output.hpp"

namespace kernels::cli {
namespace {

constexpr const char* kFooter =
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 lock out of date, 4 integrity failure,\n"
    "            5 network or Hub failure, 6 not found (repo, version, variant).\n"
    "Run 'kernels COMMAND --help' for the options of a command.";

std::vector<Command> register_commands(CLI::App& app) {
  std::vector<Command> commands;
  const auto add_one = [&commands](Command command) { commands.push_back(std::move(command)); };
  const auto add_many = [&commands](std::vector<Command> group) {
    for (auto& command : group)
      commands.push_back(std::move(command));
  };
  add_one(setup_lock(app));
  add_one(setup_download(app));
  add_one(setup_check(app));
  add_one(setup_versions(app));
  add_one(setup_info(app));
  add_one(setup_add(app));
  add_one(setup_remove(app));
  add_many(setup_cache(app));
  add_one(setup_serve(app));
  add_many(setup_mirror(app));
  add_many(setup_bundle(app));
  add_many(setup_completions(app));
  return commands;
}

// --json and -q must shape the output of errors found while parsing too, before CLI11 has
// filled GlobalOptions, so they are looked for in argv first.
bool argv_has(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == flag) return true;
  }
  return false;
}

// The first word that is not a global option or its value: what the user meant as the command.
// CLI11 would only say "a subcommand is required" for a misspelt command; naming it helps more.
std::string_view first_command_word(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") return {};
    if (!arg.starts_with('-')) return arg;
    const auto equals = arg.find('=');
    const std::string name(arg.substr(0, equals));
    const CLI::Option* option = app.get_option_no_throw(name);
    if (option != nullptr && option->get_items_expected_min() > 0 &&
        equals == std::string_view::npos)
      ++i;
  }
  return {};
}

Error unknown_command_error(const CLI::App& app, std::string_view word) {
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!names.empty()) names += ", ";
    names += sub->get_name();
  }
  return Error{ErrorCode::usage,
               "unknown command '" + std::string(word) + "' (commands: " + names + ")", ""};
}

int run(int argc, char** argv) {
  CLI::App app{"kernels: lock, download, verify and load compute kernels from the Hugging Face Hub",
               "kernels"};
  app.set_version_flag("-V,--version", std::string("kernels ") + kVersion,
                       "Print the version and exit");
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();

  GlobalOptions global;
  add_global_options(app, global);
  const std::vector<Command> commands = register_commands(app);

  const Output parse_output(argv_has(argc, argv, "--json"), argv_has(argc, argv, "-q"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
    const std::string_view word = first_command_word(app, argc, argv);
    const auto named_word = [word](const CLI::App* sub) {
      return sub->check_name(std::string(word));
    };
    if (!word.empty() && app.get_subcommands(named_word).empty()) {
      parse_output.error(unknown_command_error(app, word));
      return to_int(ExitCode::usage);
    }
    parse_output.error(Error{ErrorCode::usage,
                             std::string(error.what()) + " (run 'kernels --help' for usage)", ""});
    return to_int(ExitCode::usage);
  }

  const Output output(global.json, global.quiet);
  Context context{global, output};
  const auto selected = std::find_if(commands.begin(), commands.end(),
                                     [](const Command& command) { return command.app->parsed(); });
  if (selected == commands.end()) {
    output.error(Error{ErrorCode::usage, "no command given (run 'kernels --help')", ""});
    return to_int(ExitCode::usage);
  }
  if (auto result = selected->run(context); !result) {
    output.error(result.error());
    return to_int(exit_code_for(result.error().code));
  }
  return to_int(ExitCode::ok);
}

}  // namespace
}  // namespace kernels::cli

int main(int argc, char** argv) {
  try {
    return kernels::cli::run(argc, argv);
  } catch (const std::exception& bug) {
    // Exceptions are reserved for bugs: say so plainly instead of aborting with a core dump.
    std::fprintf(stderr, "kernels: internal error (a bug, please report it): %s\n", bug.what());
    return 1;
  }
}
