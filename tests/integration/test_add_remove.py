"""`kernels add` and `kernels remove` against `kernels serve`: each @SPEC form, the lock that
follows, --no-lock, the roll-back when locking fails, and the config's comments kept."""

import json

import pytest

from lock_fixtures import add
from mirror_fixtures import serve  # noqa: F401  (pytest fixture)

PYPROJECT = """\
# The demo project.
[project]
name = "demo"  # its name
dependencies = ["torch>=2.0"]

[tool.kernels.dependencies]  # kernels from the Hub
# activations
"org/act" = ">=0.1.0,<0.2.0"  # tags

# about ruff
[tool.ruff]
line-length = 100
"""


@pytest.fixture
def hub(kernels, tmp_path):
    """org/relu: branches v1 and v2 (tags v1.0.0, v2.0.0); org/act: tags v0.1.0, v0.1.1, v0.2.0 and
    no version branch."""
    mirror = tmp_path / "mirror"
    commits = {}
    for label, tag, branch in (("a1", "v1.0.0", "v1"), ("b2", "v2.0.0", "v2")):
        commits[tag], _ = add(kernels, tmp_path, mirror, "org/relu", label, "--tag", tag, "--branch", branch,
                              "--trusted-publisher")
    for label, tag in (("c0", "v0.1.0"), ("c1", "v0.1.1"), ("c2", "v0.2.0")):
        commits[tag], _ = add(kernels, tmp_path, mirror, "org/act", label, "--tag", tag)
    return {"dir": mirror, "commits": commits}


@pytest.fixture
def run(kernels, hub, serve, tmp_path):
    """Runs `kernels` against the served hub in the project directory tmp_path/proj."""
    server = serve(hub["dir"])
    proj = tmp_path / "proj"
    proj.mkdir()

    def call(*args, env=None):
        return kernels("--endpoint", server.url, "--project", str(proj), *args, env=env)

    call.proj = proj
    call.server = server
    return call


def lock_shas(proj):
    return {entry["repo_id"]: entry["sha"] for entry in json.loads((proj / "kernels.lock").read_text())}


def with_line(text, line):
    """PYPROJECT with `line` added after the last dependency, where `kernels add` puts it."""
    anchor = '"org/act" = ">=0.1.0,<0.2.0"  # tags\n'
    return text.replace(anchor, anchor + line + "\n")


@pytest.mark.parametrize(
    "kernel, line, tag",
    [
        ("org/relu", '"org/relu" = 2', "v2.0.0"),  # the newest version branch
        ("org/relu@1", '"org/relu" = 1', "v1.0.0"),
        ("org/relu@v1", '"org/relu" = 1', "v1.0.0"),
        ("org/relu@v1.0.0", '"org/relu" = "==1.0.0"', "v1.0.0"),
        ("org/relu@>=1.0,<2.0", '"org/relu" = ">=1.0,<2.0"', "v1.0.0"),
        ("org/relu@main", '"org/relu" = { revision = "main" }', "v2.0.0"),
    ],
)
def test_add_each_spec_form_then_the_lock_has_it(run, hub, kernel, line, tag):
    (run.proj / "pyproject.toml").write_text(PYPROJECT)
    result = run("add", kernel)
    assert result.returncode == 0, result.stderr
    assert (run.proj / "pyproject.toml").read_text() == with_line(PYPROJECT, line)
    assert f"Added {line} to " in result.stdout
    assert "Wrote " in result.stdout and "+ org/relu" in result.stdout
    assert lock_shas(run.proj) == {"org/act": hub["commits"]["v0.1.1"], "org/relu": hub["commits"][tag]}


def test_add_a_commit_sha_as_revision(run, hub):
    sha = hub["commits"]["v1.0.0"]
    (run.proj / "kernels.toml").write_text("[dependencies]\n")
    result = run("add", f"org/relu@{sha}")
    assert result.returncode == 0, result.stderr
    assert (run.proj / "kernels.toml").read_text() == f'[dependencies]\n"org/relu" = {{ revision = "{sha}" }}\n'
    assert lock_shas(run.proj) == {"org/relu": sha}


def test_add_again_updates_in_place_and_relocks(run, hub):
    (run.proj / "pyproject.toml").write_text(with_line(PYPROJECT, '"org/relu" = 1  # keep me'))
    assert run("lock").returncode == 0
    assert lock_shas(run.proj)["org/relu"] == hub["commits"]["v1.0.0"]

    result = run("add", "org/relu@2")
    assert result.returncode == 0, result.stderr
    assert 'Updated "org/relu" in ' in result.stdout and ": 1 -> 2" in result.stdout
    assert (run.proj / "pyproject.toml").read_text() == with_line(PYPROJECT, '"org/relu" = 2  # keep me')
    assert lock_shas(run.proj)["org/relu"] == hub["commits"]["v2.0.0"]

    same = run("add", "org/relu@v2")
    assert same.returncode == 0, same.stderr
    assert '"org/relu" = 2 is already in ' in same.stdout
    assert "Up to date: " in same.stdout


def test_remove_then_the_lock_loses_it(run, hub):
    (run.proj / "pyproject.toml").write_text(with_line(PYPROJECT, '"org/relu" = 1'))
    assert run("lock").returncode == 0
    result = run("remove", "org/relu")
    assert result.returncode == 0, result.stderr
    assert 'Removed "org/relu" (was 1) from ' in result.stdout
    assert "- org/relu" in result.stdout
    assert (run.proj / "pyproject.toml").read_text() == PYPROJECT
    assert lock_shas(run.proj) == {"org/act": hub["commits"]["v0.1.1"]}


def test_remove_of_a_repo_that_is_not_a_dependency_is_exit_6(run):
    (run.proj / "pyproject.toml").write_text(PYPROJECT)
    result = run("remove", "org/relu")
    assert result.returncode == 6
    assert "'org/relu' is not a dependency" in result.stderr
    assert "org/act" in result.stderr
    assert (run.proj / "pyproject.toml").read_text() == PYPROJECT
    assert not (run.proj / "kernels.lock").exists()


def test_no_lock_edits_only_the_config(run, hub):
    (run.proj / "pyproject.toml").write_text(PYPROJECT)
    added = run("add", "org/relu@1", "--no-lock")
    assert added.returncode == 0, added.stderr
    assert "Not locked (--no-lock)" in added.stdout
    assert (run.proj / "pyproject.toml").read_text() == with_line(PYPROJECT, '"org/relu" = 1')
    assert not (run.proj / "kernels.lock").exists()

    assert run("lock").returncode == 0
    before = (run.proj / "kernels.lock").read_bytes()
    removed = run("remove", "org/relu", "--no-lock")
    assert removed.returncode == 0, removed.stderr
    assert (run.proj / "pyproject.toml").read_text() == PYPROJECT
    assert (run.proj / "kernels.lock").read_bytes() == before
    stale = run("lock", "--check")
    assert stale.returncode == 3


def test_no_lock_with_an_explicit_version_needs_no_hub(kernels, tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    result = kernels("--offline", "--project", str(proj), "add", "org/relu@1", "--no-lock")
    assert result.returncode == 0, result.stderr
    assert (proj / "kernels.toml").read_text() == '[dependencies]\n"org/relu" = 1\n'


@pytest.mark.parametrize(
    "kernel, message",
    [
        ("org/nothere@1", "org/nothere"),  # the lock fails: rolled back
        ("org/relu@7", "Version 7 not found, available versions: 1, 2"),
        ("org/act@>=9", "No version of `org/act` satisfies requirement: >=9"),
        ("org/relu@no-such-branch", "no-such-branch"),
    ],
)
def test_add_that_cannot_be_locked_changes_nothing(run, kernel, message):
    (run.proj / "pyproject.toml").write_text(PYPROJECT)
    assert run("lock").returncode == 0
    lock_before = (run.proj / "kernels.lock").read_bytes()
    result = run("add", kernel)
    assert result.returncode == 6, result.stderr
    assert message in result.stderr
    assert "was left as it was (--no-lock edits the config without locking)" in result.stderr
    assert (run.proj / "pyproject.toml").read_text() == PYPROJECT
    assert (run.proj / "kernels.lock").read_bytes() == lock_before


def test_add_of_an_unknown_repo_without_a_version_asks_the_hub_first(run):
    result = run("add", "org/nothere")
    assert result.returncode == 6, result.stderr
    assert "org/nothere" in result.stderr
    assert not (run.proj / "kernels.toml").exists()


def test_add_without_a_version_to_a_repo_without_version_branches(run):
    result = run("add", "org/act")
    assert result.returncode == 6
    assert "its version tags are v0.1.0, v0.1.1, v0.2.0" in result.stderr
    assert "org/act@main" in result.stderr


def test_add_without_any_config_creates_kernels_toml_and_a_failed_lock_does_not(run, hub):
    failed = run("add", "org/relu@7")
    assert failed.returncode == 6
    assert "was not created" in failed.stderr
    assert not (run.proj / "kernels.toml").exists()

    result = run("add", "org/relu@1")
    assert result.returncode == 0, result.stderr
    assert "Created " in result.stdout and 'kernels.toml with "org/relu" = 1' in result.stdout
    assert (run.proj / "kernels.toml").read_text() == '[dependencies]\n"org/relu" = 1\n'
    assert lock_shas(run.proj) == {"org/relu": hub["commits"]["v1.0.0"]}


def test_a_crlf_pyproject_without_the_table_keeps_its_bytes(run, hub):
    original = "[project]\r\nname = \"demo\"  # keep\r\n\r\n[tool.kernels]\r\nnote = 1\r\n\r\n[tool.ruff]\r\nx = 1\r\n"
    (run.proj / "pyproject.toml").write_bytes(original.encode())
    result = run("add", "org/relu@1")
    assert result.returncode == 0, result.stderr
    assert (run.proj / "pyproject.toml").read_bytes() == (
        "[project]\r\nname = \"demo\"  # keep\r\n\r\n[tool.kernels]\r\nnote = 1\r\n\r\n"
        "[tool.kernels.dependencies]\r\n\"org/relu\" = 1\r\n\r\n[tool.ruff]\r\nx = 1\r\n").encode()
    assert lock_shas(run.proj) == {"org/relu": hub["commits"]["v1.0.0"]}


def test_json_reports_the_edit_and_the_lock(run, hub):
    (run.proj / "kernels.toml").write_text('[dependencies]\n"org/relu" = 1\n')
    result = run("--json", "add", "org/act@>=0.1.0,<0.2.0")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["change"] == "added" and not report["created"]
    assert report["repo_id"] == "org/act"
    assert report["requirement"] == {"version": ">=0.1.0,<0.2.0"} and report["previous"] is None
    assert report["config"].endswith("kernels.toml")
    assert report["lock"]["written"]
    assert {c["repo_id"]: c["change"] for c in report["lock"]["changes"]} == {"org/relu": "added", "org/act": "added"}

    removed = json.loads(run("--json", "remove", "org/relu", "--no-lock").stdout)
    assert removed["change"] == "removed" and removed["previous"] == {"version": 1}
    assert removed["requirement"] is None and removed["lock"] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (("add", "org/relu:SiluAndMul"), "kernelize mapping"),
        (("add", "org/relu@>=x"), "invalid version for 'org/relu'"),
        (("add", "not-a-repo"), "org/name"),
        (("remove", "org/relu@1"), "give only the repo id"),
        (("remove", "nope"), "org/name"),
    ],
)
def test_usage_errors_are_exit_2_and_touch_nothing(run, args, message):
    (run.proj / "kernels.toml").write_text('[dependencies]\n"org/relu" = 1\n')
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert (run.proj / "kernels.toml").read_text() == '[dependencies]\n"org/relu" = 1\n'


def test_a_config_in_a_form_it_does_not_edit_is_refused_with_the_fix(run):
    original = '[tool.kernels]\ndependencies = { "org/relu" = 1 }\n'
    (run.proj / "pyproject.toml").write_text(original)
    result = run("add", "org/act@>=0.1")
    assert result.returncode == 1
    assert "pyproject.toml:2" in result.stderr
    assert "rewrite them as a [tool.kernels.dependencies] table" in result.stderr
    assert (run.proj / "pyproject.toml").read_text() == original
