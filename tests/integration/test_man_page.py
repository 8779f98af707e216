"""The man page help2man writes from the help (scripts/make-manpage.sh, the CMake target `man`)
names every command and describes each one's options."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make-manpage.sh"

pytestmark = pytest.mark.skipif(shutil.which("help2man") is None, reason="help2man is not installed")


def command_paths(kernels, path=()):
    """Every command path, read from the `Subcommands:` part of each command's --help."""
    result = kernels(*path, "--help")
    assert result.returncode == 0, result.stderr
    _, _, listing = result.stdout.partition("Subcommands:\n")
    paths = []
    for line in listing.splitlines():
        match = re.match(r"^  (\S+)\s", line)
        if not match:
            break
        paths.append((*path, match.group(1)))
        paths.extend(command_paths(kernels, (*path, match.group(1))))
    return paths


@pytest.fixture
def man_page(tmp_path):
    output = tmp_path / "kernels.1"
    result = subprocess.run(["bash", str(SCRIPT), os.environ["KERNELS_BIN"], str(output)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    return output.read_text()


def test_man_page_has_the_name_version_and_global_options(man_page, kernels):
    version = kernels("--version").stdout.split()[-1]
    assert re.search(r'^\.TH KERNELS "1" .*"kernels ' + re.escape(version) + '"', man_page, re.M)
    assert "kernels \\- lock, download and verify compute kernels" in man_page
    assert "\\fB\\-\\-project\\fR" in man_page  # help2man formats the global options itself
    assert ".SH \"EXIT STATUS\"" in man_page or "Exit codes" in man_page


def test_man_page_has_a_section_for_every_command_with_its_options(man_page, kernels):
    paths = command_paths(kernels)
    assert {("lock",), ("cache", "prune"), ("mirror", "add"), ("completions",)} <= set(paths)
    for path in paths:
        assert f'.SS "kernels {" ".join(path)}"' in man_page, path
    lock_section = man_page.split('.SS "kernels lock"')[1].split(".SS")[0]
    assert "\\-\\-format" in lock_section and "\\-\\-check" in lock_section
    assert "__complete" not in man_page and "__man" not in man_page


def test_man_page_renders_without_warnings(man_page, tmp_path):
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed")
    page = tmp_path / "kernels.1"
    result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", str(page)], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stderr == ""
    assert "kernels cache prune" in result.stdout
