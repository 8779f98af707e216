"""The command line's contract: version, help, usage errors, exit codes and --json errors."""

import json
import os

import pytest

COMMANDS = ["lock", "download", "check", "versions", "info", "add", "remove", "cache", "serve",
            "mirror", "bundle", "completions"]


def test_version_prints_the_project_version(kernels):
    result = kernels("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kernels {os.environ['KERNELS_VERSION']}"


def test_help_lists_every_command_and_the_exit_codes(kernels):
    result = kernels("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"\n  {command}" in result.stdout, command
    assert "3 lock out of date" in result.stdout
    assert "6 not found" in result.stdout


@pytest.mark.parametrize("command", COMMANDS + ["cache dir", "mirror add", "bundle export"])
def test_every_command_has_help(kernels, command):
    result = kernels(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert f"Usage: kernels {command}" in result.stdout


def test_no_command_is_a_usage_error(kernels):
    result = kernels()
    assert result.returncode == 2
    assert "subcommand is required" in result.stderr
    assert result.stdout == ""


def test_unknown_option_is_a_usage_error_naming_the_option(kernels):
    result = kernels("lock", "--frobnicate")
    assert result.returncode == 2
    assert "--frobnicate" in result.stderr
    assert "kernels --help" in result.stderr


@pytest.mark.parametrize("args", [["frobnicate"], ["--project", "somewhere", "frobnicate"],
                                  ["--project=somewhere", "-v", "frobnicate", "--json"]])
def test_unknown_command_is_a_usage_error_naming_it(kernels, args):
    result = kernels(*args)
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
    assert "lock, download" in result.stderr


def test_missing_required_argument_is_a_usage_error(kernels):
    result = kernels("versions")
    assert result.returncode == 2
    assert "repo" in result.stderr.lower()


def test_invalid_choice_is_a_usage_error(kernels):
    result = kernels("completions", "powershell")
    assert result.returncode == 2
    assert "powershell" in result.stderr


def test_usage_error_under_json_is_a_json_document(kernels):
    result = kernels("--json", "lock", "--frobnicate")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["error"]["kind"] == "usage"
    assert "--frobnicate" in document["error"]["message"]


def test_global_options_are_accepted_after_the_command(kernels):
    result = kernels("completions", "--json", "bash", "--frobnicate")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["kind"] == "usage"
