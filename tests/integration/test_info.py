"""`kernels info REPO | PATH`: revision resolution against `kernels serve`, the metadata of the
chosen variant, the trace with its reasons, local kernel directories, and the errors."""

import json

import pytest

from mirror_fixtures import serve  # noqa: F401  (pytest fixture)
from versions_fixtures import (CUDA_VARIANT, HOST_CPU, HOST_VARIANT, OTHER_CPU, OTHER_VARIANT, add_build,
                               cpu_system_args, make_variants_build)


@pytest.fixture
def hub(kernels, tmp_path):
    """org/act: branch v1 (tag v1.0.0), then branch v2 (tag v2.0.0, only the CUDA variant)."""
    mirror = tmp_path / "mirror"
    commits = {
        "v1": add_build(kernels, tmp_path, mirror, "org/act", "one", "--tag", "v1.0.0", "--branch", "v1"),
        "v2": add_build(kernels, tmp_path, mirror, "org/act", "two", "--tag", "v2.0.0", "--branch", "v2",
                        variants=(CUDA_VARIANT,)),
    }
    return {"dir": mirror, "commits": commits}


def info(kernels, server, *args):
    return kernels("--endpoint", server.url, "info", *args)


def test_info_version_json_has_metadata_variant_and_trace(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    result = info(kernels, server, "--json", "org/act", "--version", "1", *cpu_system_args(tmp_path))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["repo_id"] == "org/act"
    assert document["revision"] == "v1"
    assert document["commit"] == hub["commits"]["v1"]
    assert document["name"] == "act"
    assert document["version"] == 1
    assert document["license"] == "Apache-2.0"
    assert document["python_depends"] == ["torch"]
    assert document["kernel_depends"] == [{"repo_id": "org/base", "version": 2}]
    assert document["backends"] == ["cpu", "cuda"]
    assert document["source"] is None
    assert document["variant"] == HOST_VARIANT
    assert document["metadata_variant"] == HOST_VARIANT
    trace = {entry["variant"]: entry for entry in document["trace"]}
    assert set(trace) == {HOST_VARIANT, OTHER_VARIANT, CUDA_VARIANT, "torch-cpu"}
    assert trace[OTHER_VARIANT]["accepted"] is False
    assert trace[OTHER_VARIANT]["reason"] == f"CPU ({OTHER_CPU}) does not match system CPU ({HOST_CPU})"
    assert trace["torch-cpu"] == {"variant": "torch-cpu", "accepted": True, "reason": None}


def test_info_text_lines(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    result = info(kernels, server, "org/act", "--version", "1", *cpu_system_args(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for expected in ("Repository: org/act", "Revision: v1", f"Commit: {hub['commits']['v1']}", "Name: act",
                     "Version: 1", "License: Apache-2.0", "Backends: cpu, cuda", "Python dependencies: torch",
                     "Kernel dependencies: org/base version 2 (branch v2)", f"Variant: {HOST_VARIANT}",
                     f"  chosen      {HOST_VARIANT}", "  compatible  torch-cpu",
                     f"  rejected    {OTHER_VARIANT}: CPU ({OTHER_CPU}) does not match system CPU ({HOST_CPU})"):
        assert expected in lines, (expected, lines)


def test_info_defaults_to_the_highest_version_branch(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    result = info(kernels, server, "--json", "org/act", *cpu_system_args(tmp_path))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["revision"] == "v2"
    assert document["commit"] == hub["commits"]["v2"]
    # Nothing in v2 fits a CPU system; the metadata comes from the most preferred variant.
    assert document["variant"] is None
    assert document["metadata_variant"] == CUDA_VARIANT
    assert document["backends"] == ["cuda"]
    assert document["trace"] == [{"variant": CUDA_VARIANT, "accepted": False,
                                  "reason": "backend (cu128) does not match selected backend (cpu)"}]
    text = info(kernels, server, "org/act", *cpu_system_args(tmp_path))
    assert f"Variant: none for this system (metadata from {CUDA_VARIANT})" in text.stdout.splitlines()


def test_info_revision_and_the_transformers_forms(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    system = cpu_system_args(tmp_path)
    tag = json.loads(info(kernels, server, "--json", "org/act", "--revision", "v1.0.0", *system).stdout)
    assert (tag["revision"], tag["commit"]) == ("v1.0.0", hub["commits"]["v1"])
    commit = json.loads(info(kernels, server, "--json", "org/act", "--revision", hub["commits"]["v2"], *system).stdout)
    assert commit["commit"] == hub["commits"]["v2"]
    major = json.loads(info(kernels, server, "--json", "org/act@1", *system).stdout)
    assert (major["revision"], major["commit"]) == ("v1", hub["commits"]["v1"])
    semver = json.loads(info(kernels, server, "--json", "org/act@v2.0.0", *system).stdout)
    assert (semver["revision"], semver["commit"]) == ("v2.0.0", hub["commits"]["v2"])


def test_info_hub_errors(kernels, hub, serve, tmp_path):
    server = serve(hub["dir"])
    both = info(kernels, server, "org/act", "--version", "1", "--revision", "main")
    assert both.returncode == 2
    assert "Only one of --revision or --version can be specified" in both.stderr
    twice = info(kernels, server, "org/act@1", "--version", "1")
    assert twice.returncode == 2
    negative = info(kernels, server, "org/act", "--version", "-3")
    assert negative.returncode == 2
    assert "--version takes a major version" in negative.stderr
    missing_version = info(kernels, server, "org/act", "--version", "3", *cpu_system_args(tmp_path))
    assert missing_version.returncode == 6
    assert "Version 3 not found, available versions: 1, 2" in missing_version.stderr
    missing_repo = info(kernels, server, "org/missing", *cpu_system_args(tmp_path))
    assert missing_repo.returncode == 6
    missing_revision = info(kernels, server, "org/act", "--revision", "nope", *cpu_system_args(tmp_path))
    assert missing_revision.returncode == 6
    assert "nope" in missing_revision.stderr


def test_info_local_checkout_build_dir_and_variant_dir(kernels, tmp_path):
    make_variants_build(tmp_path / "kernel", "local", "x", variants=(CUDA_VARIANT,),
                        upstream="https://github.com/org/local.git")
    for target in (tmp_path / "kernel", tmp_path / "kernel" / "build", tmp_path / "kernel" / "build" / CUDA_VARIANT):
        result = kernels("--json", "info", str(target), *cpu_system_args(tmp_path))
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["path"] == str(target)
        assert "repo_id" not in document and "commit" not in document
        assert document["source"] is None
        assert document["upstream"] == "https://github.com/org/local.git"
        assert document["python_depends"] == ["torch"]
        assert document["backends"] == ["cuda"]
        assert document["name"] == "local"
    text = kernels("info", str(tmp_path / "kernel"), *cpu_system_args(tmp_path))
    assert f"Path: {tmp_path / 'kernel'}" in text.stdout.splitlines()


def test_info_local_errors(kernels, tmp_path):
    make_variants_build(tmp_path / "kernel", "local", "x")
    with_revision = kernels("info", str(tmp_path / "kernel"), "--revision", "main")
    assert with_revision.returncode == 2
    assert "--revision and --version cannot be used with a local path" in with_revision.stderr
    (tmp_path / "empty" / "src").mkdir(parents=True)
    empty = kernels("info", str(tmp_path / "empty"), *cpu_system_args(tmp_path))
    assert empty.returncode == 6
    assert f"no build variants in {tmp_path / 'empty'}" in empty.stderr
    neither = kernels("info", "./no/such/dir")
    assert neither.returncode == 2
    assert "'./no/such/dir' is neither a directory nor a Hub repo id" in neither.stderr
    nothing = kernels("info")
    assert nothing.returncode == 2
