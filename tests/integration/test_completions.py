"""`kernels completions SHELL`: the committed scripts are current, and bash, fish and zsh complete
commands, options, option values and the project's repo ids with them."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"
FILES = {"bash": "kernels.bash", "zsh": "_kernels", "fish": "kernels.fish"}
TOP_LEVEL = {"lock", "download", "check", "versions", "info", "add", "remove", "cache", "serve", "mirror",
             "bundle", "completions"}


@pytest.mark.parametrize("shell", sorted(FILES))
def test_committed_script_is_what_the_command_prints(kernels, shell):
    result = kernels("completions", shell)
    assert result.returncode == 0, result.stderr
    committed = (COMPLETIONS / FILES[shell]).read_text()
    assert result.stdout == committed, (
        f"completions/{FILES[shell]} is stale: run `kernels completions {shell} > completions/{FILES[shell]}`")


def test_hidden_commands_stay_out_of_the_help_and_the_scripts(kernels):
    assert "__complete-repos" not in kernels("--help").stdout
    for shell in FILES:
        assert "__complete-repos" in kernels("completions", shell).stdout  # called, not offered
    assert "'__complete-repos" not in kernels("completions", "bash").stdout


def test_unknown_shell_is_a_usage_error(kernels):
    result = kernels("completions", "tcsh")
    assert result.returncode == 2


@pytest.fixture
def on_path(tmp_path):
    """A PATH whose `kernels` is the binary under test, as a user's would be."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kernels").symlink_to(os.environ["KERNELS_BIN"])
    return f"{bin_dir}:{os.environ['PATH']}"


@pytest.fixture
def proj(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "kernels.toml").write_text('[dependencies]\n"org/relu" = 1\n"other/act" = { revision = "main" }\n')
    (root / "sub").mkdir()
    return root


def test_complete_repos_prints_the_config_s_repo_ids(kernels, proj):
    result = kernels("--project", str(proj), "__complete-repos")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "org/relu\nother/act\n"
    assert kernels("--project", str(proj / "sub"), "__complete-repos").returncode != 0


def bash_complete(words, path_env, cwd, word_breaks=None):
    """Runs the bash completion function as bash would for `words` (the last one at the cursor)."""
    driver = "\n".join([
        f"source {COMPLETIONS / 'kernels.bash'}",
        f"COMP_WORDBREAKS={word_breaks!r}" if word_breaks is not None else "",
        "COMP_WORDS=(" + " ".join(f"'{word}'" for word in words) + ")",
        f"COMP_CWORD={len(words) - 1}",
        f"COMP_LINE='{' '.join(words)}'",
        "COMP_POINT=${#COMP_LINE}",
        "_kernels",
        "printf '%s\\n' \"${COMPREPLY[@]}\"",
    ])
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", driver], cwd=cwd, capture_output=True,
                            text=True, env={**os.environ, "PATH": path_env})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return {line for line in result.stdout.splitlines() if line}


@pytest.mark.parametrize("words, expected", [
    (["kernels", ""], TOP_LEVEL),
    (["kernels", "c"], {"check", "cache", "completions"}),
    (["kernels", "--json", "cache", ""], {"dir", "list", "verify", "prune"}),
    (["kernels", "lock", "--f"], {"--format"}),
    (["kernels", "lock", "--format", ""], {"hashes", "commits"}),
    (["kernels", "lock", "--format", "=", "co"], {"commits"}),
    (["kernels", "--color", "a"], {"auto", "always"}),
    (["kernels", "completions", ""], {"bash", "zsh", "fish"}),
    (["kernels", "mirror", "add", "--type", ""], {"kernel", "model"}),
])
def test_bash_completes_commands_options_and_choices(on_path, proj, words, expected):
    assert bash_complete(words, on_path, proj) == expected


def test_bash_offers_the_global_options_after_a_command(on_path, proj):
    offered = bash_complete(["kernels", "lock", "--c"], on_path, proj)
    assert offered == {"--check", "--cache-dir", "--color"}
    assert "-h" in bash_complete(["kernels", "cache", "prune", "-"], on_path, proj)


def test_bash_completes_an_option_value_written_with_equals(on_path, proj):
    # Without '=' in COMP_WORDBREAKS the word is "--format=c" and the reply keeps the prefix.
    assert bash_complete(["kernels", "lock", "--format=c"], on_path, proj, word_breaks=" \t\n") == {
        "--format=commits"}


@pytest.mark.parametrize("command", [["remove"], ["versions"], ["info"], ["lock", "--upgrade"]])
def test_bash_completes_the_project_s_repo_ids(on_path, proj, command):
    assert bash_complete(["kernels", *command, "org/"], on_path, proj) == {"org/relu"}
    assert {"org/relu", "other/act"} <= bash_complete(["kernels", *command, ""], on_path, proj)


def test_bash_asks_the_project_given_by_project(on_path, proj, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert bash_complete(["kernels", "remove", ""], on_path, elsewhere) == set()
    assert bash_complete(["kernels", "--project", str(proj), "remove", ""], on_path, elsewhere) == {
        "org/relu", "other/act"}


def test_bash_completes_directories_and_files_by_the_option_s_type(on_path, proj):
    (proj / "notes.txt").write_text("")
    assert bash_complete(["kernels", "serve", ""], on_path, proj) == {"sub"}
    assert bash_complete(["kernels", "--project", "s"], on_path, proj) == {"sub"}
    assert {"sub", "notes.txt", "kernels.toml", "org/relu"} <= bash_complete(["kernels", "info", ""], on_path,
                                                                              proj)


fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")


def fish_complete(line, path_env, cwd):
    script = COMPLETIONS / "kernels.fish"
    result = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C {line!r}"], cwd=cwd,
                            capture_output=True, text=True, env={**os.environ, "PATH": path_env})
    assert result.returncode == 0, result.stderr
    return {entry.split("\t")[0] for entry in result.stdout.splitlines()}


@fish
def test_fish_script_parses():
    result = subprocess.run(["fish", "--no-execute", str(COMPLETIONS / "kernels.fish")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


@fish
@pytest.mark.parametrize("line, expected", [
    ("kernels ch", {"check"}),
    ("kernels cache ", {"dir", "list", "verify", "prune"}),
    ("kernels lock --format ", {"hashes", "commits"}),
    ("kernels --project . remove ", {"org/relu", "other/act"}),
    ("kernels versions o", {"org/relu", "other/act"}),
    ("kernels completions ", {"bash", "zsh", "fish"}),
])
def test_fish_completes(on_path, proj, line, expected):
    assert fish_complete(line, on_path, proj) == expected


@fish
def test_fish_offers_command_and_global_options(on_path, proj):
    offered = fish_complete("kernels lock --", on_path, proj)
    assert {"--check", "--upgrade", "--format", "--json", "--project", "--help"} <= offered
    assert "--all-variants" not in offered  # download's, not lock's


@zsh
def test_zsh_script_parses_and_registers():
    script = COMPLETIONS / "_kernels"
    syntax = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    # Sourced after compinit, it defines one function per command path and registers _kernels.
    check = ("autoload -Uz compinit && compinit -u -D -d /dev/null && source " + str(script) +
             " && print -r -- $_comps[kernels] && print -rl -- ${(ok)functions[(I)_kernels*]}")
    result = subprocess.run(["zsh", "-f", "-c", check], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "_kernels"
    assert {"_kernels_lock", "_kernels_cache", "_kernels_cache_prune", "_kernels_mirror_add",
            "_kernels_repos"} <= set(lines[1:])


ZPTY_PROBE = r'''
zmodload zsh/zpty
zpty z "PATH=$1 zsh -f -i"
zpty -w z "PS1='> '; fpath=($2 \$fpath); autoload -Uz compinit; compinit -u -D; setopt nobeep"
zpty -w -n z "$3"$'\t'
sleep 2
out=""
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- "$out"
zpty -d z
'''


@zsh
def test_zsh_lists_the_choices_of_an_option_in_an_interactive_shell(on_path, tmp_path):
    # A real completion in an interactive zsh on a pseudo-terminal (zsh/zpty): the listing the
    # user would see after TAB.
    fpath = tmp_path / "fpath"
    fpath.mkdir()
    shutil.copy(COMPLETIONS / "_kernels", fpath / "_kernels")
    result = subprocess.run(["zsh", "-f", "-c", ZPTY_PROBE, "probe", on_path, str(fpath), "kernels lock --format "],
                            capture_output=True, text=True, timeout=60)
    listing = result.stdout.split("kernels lock --format", 1)[-1]
    assert "commits" in listing and "hashes" in listing, result.stdout
