"""`kernels lock` against `kernels serve`: resolution, hashes, --check, keeping locked entries, errors."""

import json
import time

import pytest

from lock_fixtures import add, expected_variant_hashes, project
from mirror_fixtures import serve  # noqa: F401  (pytest fixture)


@pytest.fixture
def hub(kernels, tmp_path):
    """org/relu: v1 (tag v1.0.0) then v2 (tag v2.0.0) on branches v1, v2; org/act: tags v0.1.0,
    v0.1.1, v0.2.0; org/old: moved to org/relu by kernel-status.toml."""
    mirror = tmp_path / "mirror"
    commits, files = {}, {}
    for label, tag, branch in (("a1", "v1.0.0", "v1"), ("b2", "v2.0.0", "v2")):
        commits[("relu", branch)], files[("relu", branch)] = add(
            kernels, tmp_path, mirror, "org/relu", label, "--tag", tag, "--branch", branch, "--trusted-publisher")
    for label, tag in (("c0", "v0.1.0"), ("c1", "v0.1.1"), ("c2", "v0.2.0")):
        commits[("act", tag)], files[("act", tag)] = add(kernels, tmp_path, mirror, "org/act", label, "--tag", tag)
    return {"dir": mirror, "commits": commits, "files": files}


def lock_entries(path):
    return {entry["repo_id"]: entry for entry in json.loads(path.read_text())}


def test_lock_resolves_branches_and_specifiers_and_hashes_every_variant(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    proj = project(tmp_path / "proj", '"org/relu" = 1\n"org/act" = ">=0.1.0,<0.2.0"\n')
    result = kernels("--endpoint", server.url, "--project", str(proj), "lock")
    assert result.returncode == 0, result.stderr
    text = (proj / "kernels.lock").read_text()
    assert not text.endswith("\n")
    entries = json.loads(text)
    assert [entry["repo_id"] for entry in entries] == ["org/relu", "org/act"]  # config order
    relu, act = entries
    assert relu["sha"] == hub["commits"][("relu", "v1")]
    assert act["sha"] == hub["commits"][("act", "v0.1.1")]
    assert {name: v["hash"] for name, v in relu["variants"].items()} == expected_variant_hashes(
        hub["files"][("relu", "v1")])
    assert {name: v["hash"] for name, v in act["variants"].items()} == expected_variant_hashes(
        hub["files"][("act", "v0.1.1")])
    assert "a newer" not in result.stderr
    assert "You are using version 1 of 'org/relu', but version 2 is available." in result.stderr


def test_lock_check_passes_when_current_and_fails_with_exit_3_when_stale(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    proj = project(tmp_path / "proj", '"org/relu" = 1\n')
    missing = kernels("--endpoint", server.url, "--project", str(proj), "lock", "--check")
    assert missing.returncode == 3
    assert "does not exist" in missing.stderr
    assert not (proj / "kernels.lock").exists()

    assert kernels("--endpoint", server.url, "--project", str(proj), "lock").returncode == 0
    current = kernels("--endpoint", server.url, "--project", str(proj), "lock", "--check")
    assert current.returncode == 0, current.stderr
    assert "up to date" in current.stdout

    before = (proj / "kernels.lock").read_bytes()
    (proj / "pyproject.toml").write_text('[tool.kernels.dependencies]\n"org/relu" = 2\n')
    stale = kernels("--endpoint", server.url, "--project", str(proj), "lock", "--check")
    assert stale.returncode == 3
    assert "~ org/relu" in stale.stderr
    assert (proj / "kernels.lock").read_bytes() == before  # --check writes nothing

    relock = kernels("--endpoint", server.url, "--project", str(proj), "lock")
    assert relock.returncode == 0, relock.stderr
    assert lock_entries(proj / "kernels.lock")["org/relu"]["sha"] == hub["commits"][("relu", "v2")]


def test_locked_entries_are_kept_without_the_network(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    proj = project(tmp_path / "proj", '"org/relu" = 1\n"org/act" = ">=0.1,<0.2"\n')
    assert kernels("--endpoint", server.url, "--project", str(proj), "lock").returncode == 0
    before = (proj / "kernels.lock").read_bytes()
    server.stop()

    again = kernels("--endpoint", server.url, "--project", str(proj), "--json", "lock")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["up_to_date"] and not report["written"]
    assert all(change["kept_without_network"] for change in report["changes"])
    assert (proj / "kernels.lock").read_bytes() == before

    (proj / "pyproject.toml").write_text('[tool.kernels.dependencies]\n"org/relu" = 2\n"org/act" = ">=0.1,<0.2"\n')
    down = kernels("--endpoint", server.url, "--project", str(proj), "lock")
    assert down.returncode == 5
    assert server.url.split("//")[1] in down.stderr
    assert (proj / "kernels.lock").read_bytes() == before


def test_upgrade_re_resolves(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    proj = project(tmp_path / "proj", '"org/act" = ">=0.1"\n')
    assert kernels("--endpoint", server.url, "--project", str(proj), "lock").returncode == 0
    assert lock_entries(proj / "kernels.lock")["org/act"]["sha"] == hub["commits"][("act", "v0.2.0")]
    add(kernels, tmp_path, hub["dir"], "org/act", "c3", "--tag", "v0.3.0")
    kept = kernels("--endpoint", server.url, "--project", str(proj), "lock")
    assert kept.returncode == 0
    assert lock_entries(proj / "kernels.lock")["org/act"]["sha"] == hub["commits"][("act", "v0.2.0")]
    upgraded = kernels("--endpoint", server.url, "--project", str(proj), "lock", "--upgrade", "org/act")
    assert upgraded.returncode == 0, upgraded.stderr
    assert lock_entries(proj / "kernels.lock")["org/act"]["sha"] != hub["commits"][("act", "v0.2.0")]


@pytest.mark.parametrize(
    "dependencies, code, message",
    [
        ('"org/nothere" = 1\n', 6, "org/nothere"),
        ('"org/relu" = 7\n', 6, "Version 7 not found, available versions: 1, 2"),
        ('"org/act" = ">=9"\n', 6, "No version of `org/act` satisfies requirement: >=9"),
        ('"org/act" = "=>0.1"\n', 1, "did you mean '>=0.1'"),
        ('"org/relu" = { revision = "no-such-branch" }\n', 6, "no-such-branch"),
        ('"org/relu" = 1.5\n', 1, "pyproject.toml:2:"),
        ('"org/nothere" = 1\n"org/relu" = 7\n', 6, "2 dependencies could not be locked"),
    ],
)
def test_lock_errors_name_the_problem(kernels, hub, serve, tmp_path, dependencies, code, message):
    server = serve(hub["dir"])
    proj = project(tmp_path / "proj", dependencies)
    result = kernels("--endpoint", server.url, "--project", str(proj), "lock")
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert not (proj / "kernels.lock").exists()


def test_lock_with_the_server_down_is_a_network_error(kernels, tmp_path):
    proj = project(tmp_path / "proj", '"org/relu" = 1\n')
    result = kernels("--endpoint", "http://127.0.0.1:9", "--project", str(proj), "lock")
    assert result.returncode == 5
    assert "127.0.0.1:9" in result.stderr


def test_lock_offline_with_nothing_locked_says_so(kernels, tmp_path):
    proj = project(tmp_path / "proj", '"org/relu" = 1\n')
    result = kernels("--offline", "--project", str(proj), "lock")
    assert result.returncode == 5
    assert "offline" in result.stderr


def test_lock_without_a_project_config(kernels, tmp_path):
    result = kernels("--project", str(tmp_path), "lock")
    assert result.returncode == 6
    assert "pyproject.toml" in result.stderr or "kernels.toml" in result.stderr


def test_lock_with_kernels_toml_and_the_commits_format(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    proj = project(tmp_path / "proj", '"org/relu" = 2\n', file_name="kernels.toml")
    result = kernels("--endpoint", server.url, "--project", str(proj), "lock", "--format", "commits")
    assert result.returncode == 0, result.stderr
    assert json.loads((proj / "kernels.lock").read_text()) == [
        {"dependency": {"repo-id": "org/relu", "version": 2}, "lock": {"commit": hub["commits"][("relu", "v2")]}}]


def test_a_server_that_trickles_bytes_meets_the_request_deadline(kernels, hub, serve, tmp_path):
    """16 bytes a second passes the stall check (1 byte/s for 30 s) and would hold every request
    for minutes; KERNELS_REQUEST_TIMEOUT bounds each API request, retries included."""
    server = serve(hub["dir"], "--trickle-bytes-per-second", "16")
    proj = project(tmp_path / "proj", '"org/relu" = 1\n')
    started = time.monotonic()
    result = kernels("--endpoint", server.url, "--project", str(proj), "lock", "--format", "commits",
                     env={"KERNELS_REQUEST_TIMEOUT": "1.5"})
    elapsed = time.monotonic() - started
    assert result.returncode in (1, 5), result.stderr  # the trust check's overview fails first
    assert "request deadline of 1500 ms" in result.stderr
    assert "KERNELS_REQUEST_TIMEOUT" in result.stderr
    assert elapsed < 15, result.stderr


def test_a_request_timeout_that_is_not_a_number_is_a_usage_error(kernels, tmp_path):
    proj = project(tmp_path / "proj", '"org/relu" = 1\n')
    result = kernels("--endpoint", "http://127.0.0.1:9", "--project", str(proj), "lock",
                     env={"KERNELS_REQUEST_TIMEOUT": "soon"})
    assert result.returncode == 2
    assert "KERNELS_REQUEST_TIMEOUT='soon' is not a number of seconds" in result.stderr
