"""`kernels versions` against `kernels serve`: versions in order, their commits, the variant this
system would use and why the others are rejected."""

import json

import pytest

from mirror_fixtures import serve  # noqa: F401  (pytest fixture)
from test_cli_system_and_cache_dir import make_fake_torch
from versions_fixtures import CUDA_VARIANT, HOST_CPU, HOST_VARIANT, OTHER_CPU, OTHER_VARIANT, add_build, cpu_system_args


@pytest.fixture
def hub(kernels, tmp_path):
    """org/relu: branches v1 (moved by a second build), v2, v10 (a commit without build/) and tags
    v1.0.0, v1.1.0, v2.0.0; org/plain: main only."""
    mirror = tmp_path / "mirror"
    commits = {}
    commits["v1.0.0"] = add_build(kernels, tmp_path, mirror, "org/relu", "a", "--tag", "v1.0.0", "--branch", "v1")
    commits["v1.1.0"] = add_build(kernels, tmp_path, mirror, "org/relu", "b", "--tag", "v1.1.0", "--branch", "v1")
    commits["v2.0.0"] = add_build(kernels, tmp_path, mirror, "org/relu", "c", "--tag", "v2.0.0", "--branch", "v2")
    no_build = tmp_path / "no-build"
    no_build.mkdir()
    (no_build / "README.md").write_text("nothing built yet\n")
    added = kernels("mirror", "add", str(no_build), "--repo", "org/relu", "--branch", "v10", "--mirror", str(mirror))
    assert added.returncode == 0, added.stderr
    commits["v10"] = added.stdout.strip()
    add_build(kernels, tmp_path, mirror, "org/plain", "p")
    return {"dir": mirror, "commits": commits}


def test_versions_lists_branches_then_tags_with_commits_and_the_chosen_variant(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    result = kernels("--endpoint", server.url, "--json", "versions", "org/relu", *cpu_system_args(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["repo_id"] == "org/relu"
    assert report["system"]["backend"] == "cpu"
    versions = report["versions"]
    assert [(v["kind"], v["name"]) for v in versions] == [
        ("branch", "v1"), ("branch", "v2"), ("branch", "v10"),
        ("tag", "v1.0.0"), ("tag", "v1.1.0"), ("tag", "v2.0.0")]
    commits = hub["commits"]
    assert [v["commit"] for v in versions] == [
        commits["v1.1.0"], commits["v2.0.0"], commits["v10"], commits["v1.0.0"], commits["v1.1.0"], commits["v2.0.0"]]
    by_name = {v["name"]: v for v in versions}
    assert by_name["v1"]["variant"] == HOST_VARIANT
    assert sorted(by_name["v1"]["variants"]) == sorted([HOST_VARIANT, OTHER_VARIANT, CUDA_VARIANT, "torch-cpu"])
    assert by_name["v10"]["variants"] == [] and by_name["v10"]["variant"] is None
    trace = {entry["variant"]: entry for entry in by_name["v1.0.0"]["trace"]}
    assert trace[HOST_VARIANT]["accepted"] and trace[HOST_VARIANT]["reason"] is None
    assert trace["torch-cpu"]["accepted"]
    assert trace[OTHER_VARIANT] == {
        "variant": OTHER_VARIANT, "accepted": False,
        "reason": f"CPU ({OTHER_CPU}) does not match system CPU ({HOST_CPU})"}
    assert trace[CUDA_VARIANT]["reason"] == "backend (cu128) does not match selected backend (cpu)"
    assert by_name["v1.0.0"]["trace"][0]["variant"] == HOST_VARIANT  # preference order


def test_versions_text_one_line_per_version_and_the_trace_with_v(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    result = kernels("--endpoint", server.url, "versions", "org/relu", *cpu_system_args(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    commits = hub["commits"]
    assert lines[0] == f"v1      {commits['v1.1.0'][:7]}  {HOST_VARIANT} (4 variants)"
    assert lines[2] == f"v10     {commits['v10'][:7]}  no build variants"
    assert lines[3].startswith("v1.0.0  ")
    assert len(lines) == 6
    assert "rejected" not in result.stdout

    verbose = kernels("--endpoint", server.url, "versions", "org/relu", "-v", *cpu_system_args(tmp_path))
    assert verbose.returncode == 0, verbose.stderr
    assert f"    chosen      {HOST_VARIANT}" in verbose.stdout.splitlines()
    assert (f"    rejected    {OTHER_VARIANT}: CPU ({OTHER_CPU}) does not match system CPU ({HOST_CPU})"
            in verbose.stdout.splitlines())


def test_versions_says_when_nothing_fits_this_system(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    torch = make_fake_torch(tmp_path / "torch29", version="2.9.1+cu128")
    result = kernels("--endpoint", server.url, "versions", "org/relu", "--torch", str(torch))
    assert result.returncode == 0, result.stderr
    assert f"v2      {hub['commits']['v2.0.0'][:7]}  no variant for this system (4 variants)" in result.stdout


def test_versions_of_a_repo_without_versions(kernels, hub, serve):
    server = serve(hub["dir"])
    result = kernels("--endpoint", server.url, "versions", "org/plain")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Repository does not support kernel versions: org/plain"
    as_json = kernels("--endpoint", server.url, "--json", "versions", "org/plain")
    assert json.loads(as_json.stdout)["versions"] == []


def test_versions_of_an_unknown_repo_is_exit_6(kernels, hub, serve):
    server = serve(hub["dir"])
    result = kernels("--endpoint", server.url, "versions", "org/missing")
    assert result.returncode == 6, result.stderr
    assert "org/missing" in result.stderr


def test_versions_of_a_malformed_repo_id_is_a_usage_error(kernels):
    result = kernels("versions", "not a repo")
    assert result.returncode == 2
    assert "'not a repo' is not a Hub repo id" in result.stderr


def test_versions_offline_lists_what_the_cache_knows(kernels, tmp_path):
    """Offline, the versions come from refs/ (as `kernels lock` and the reference tool write them)
    and the variants from the downloaded snapshots; no request is made (no endpoint at all)."""
    cache = tmp_path / "cache"
    repo = cache / "kernels--org--relu"
    v1, tag = "1" * 40, "2" * 40
    for name, commit in (("v1", v1), ("v1.1.0", tag), ("main", tag), ("not-a-version", tag)):
        write_text(repo / "refs" / name, commit)
    (repo / "snapshots" / v1 / "build" / HOST_VARIANT).mkdir(parents=True)
    (repo / "snapshots" / v1 / "build" / "not a variant").mkdir(parents=True)
    common = ["--endpoint", "http://127.0.0.1:9", "--cache-dir", str(cache), "--offline"]
    result = kernels(*common, "--json", "versions", "org/relu", *cpu_system_args(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["from_cache"] is True
    assert [(v["kind"], v["name"], v["commit"]) for v in report["versions"]] == [
        ("branch", "v1", v1), ("tag", "v1.1.0", tag)]
    assert report["versions"][0]["variants"] == [HOST_VARIANT]
    assert report["versions"][0]["variant"] == HOST_VARIANT
    assert report["versions"][1]["variants"] == []

    text = kernels(*common, "versions", "org/relu", *cpu_system_args(tmp_path))
    assert text.returncode == 0, text.stderr
    assert "offline: versions from the cache" in text.stderr

    unknown = kernels(*common, "versions", "org/other", *cpu_system_args(tmp_path))
    assert unknown.returncode == 6
    assert "records no version of org/other" in unknown.stderr


def write_text(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
