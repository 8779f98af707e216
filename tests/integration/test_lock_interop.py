"""Our `kernels lock` against the reference tool's, on the same `kernels serve` state: same bytes,
and each tool reads what the other wrote. The reference tools come from PyPI (install-deps.sh):
kernels 0.17.2 (integer versions, the dependency/lock format) and kernels 0.13.0 (version
specifier strings on tags, the repo_id/sha/variants format with hashes)."""

import json
import os
import subprocess

import pytest

from lock_fixtures import add, project, reference_bin
from mirror_fixtures import serve  # noqa: F401  (pytest fixture)

CURRENT = reference_bin("KERNELS_REFERENCE_BIN")
LEGACY = reference_bin("KERNELS_REFERENCE_LEGACY_BIN")


def run_reference(binary, args, endpoint, hf_home):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("HF_")}
    # Not HF_HUB_DISABLE_TELEMETRY: kernels 0.17.2 then sends a User-Agent ending in "; ", which
    # httpx refuses.
    environment.update({"HF_ENDPOINT": endpoint, "HF_HOME": str(hf_home)})
    return subprocess.run([binary, *args], env=environment, capture_output=True, text=True)


@pytest.mark.skipif(CURRENT is None, reason="reference kernels 0.17 not installed (scripts/install-deps.sh)")
def test_same_lock_as_kernels_0_17_for_integer_versions(kernels, serve, tmp_path):
    mirror = tmp_path / "mirror"
    add(kernels, tmp_path, mirror, "org/relu", "a1", "--tag", "v1.0.0", "--branch", "v1", "--trusted-publisher")
    add(kernels, tmp_path, mirror, "org/relu", "b2", "--branch", "v2")
    add(kernels, tmp_path, mirror, "org/act", "c1", "--branch", "v1", "--trusted-publisher")
    server = serve(mirror)
    dependencies = '"org/relu" = 1\n"org/act" = 1\n'
    theirs = project(tmp_path / "theirs", dependencies)
    ours = project(tmp_path / "ours", dependencies)

    reference = run_reference(CURRENT, ["lock", str(theirs)], server.url, tmp_path / "hf-ref")
    assert reference.returncode == 0, reference.stderr
    result = kernels("--endpoint", server.url, "--project", str(ours), "lock", "--format", "commits")
    assert result.returncode == 0, result.stderr
    assert (ours / "kernels.lock").read_bytes() == (theirs / "kernels.lock").read_bytes()

    # We read theirs: an up-to-date check of their file passes and keeps its format.
    check = kernels("--endpoint", server.url, "--project", str(theirs), "lock", "--check")
    assert check.returncode == 0, check.stderr


@pytest.mark.skipif(LEGACY is None, reason="reference kernels 0.13 not installed (scripts/install-deps.sh)")
def test_same_lock_as_kernels_0_13_for_specifiers_and_it_verifies_our_hashes(kernels, serve, tmp_path):
    mirror = tmp_path / "mirror"
    # kernels 0.13 knows only the model repo type: our client must fall back to it.
    for label, tag in (("m0", "v0.1.0"), ("m1", "v0.1.1"), ("m2", "v0.2.0")):
        add(kernels, tmp_path, mirror, "org/act", label, "--tag", tag, "--type", "model", bytecode=False)
    add(kernels, tmp_path, mirror, "org/relu", "r1", "--tag", "v1.2.0", "--type", "model", bytecode=False)
    server = serve(mirror)
    dependencies = '"org/act" = ">=0.1.0,<0.2.0"\n"org/relu" = "~=1.2"\n'
    theirs = project(tmp_path / "theirs", dependencies)
    ours = project(tmp_path / "ours", dependencies)

    reference = run_reference(LEGACY, ["lock", str(theirs)], server.url, tmp_path / "hf-ref")
    assert reference.returncode == 0, reference.stderr
    result = kernels("--endpoint", server.url, "--project", str(ours), "lock")
    assert result.returncode == 0, result.stderr
    assert (ours / "kernels.lock").read_bytes() == (theirs / "kernels.lock").read_bytes()

    # They read ours: the reference downloads every variant our lock names and checks our hashes.
    download = run_reference(LEGACY, ["download", str(ours), "--all-variants"], server.url, tmp_path / "hf-dl")
    assert download.returncode == 0, download.stderr


CPU = "torch210-cxx11-cpu-x86_64-linux"
CUDA = "torch210-cxx11-cu128-x86_64-linux"


def requires(repo, **requirement):
    return {"repo-id": repo, **requirement}


@pytest.mark.skipif(CURRENT is None, reason="reference kernels 0.17 not installed (scripts/install-deps.sh)")
@pytest.mark.parametrize("shape", ["chain", "diamond"])
def test_same_lock_as_kernels_0_17_with_kernel_depends(kernels, serve, tmp_path, shape):
    """chain: alpha -> beta -> gamma. diamond: alpha -> beta and gamma v1 (two variants name it),
    beta's CUDA build -> gamma v2, and the project itself asks for gamma v1 too: kernels 0.17 locks
    every variant's dependencies, once per (repo, requirement)."""
    mirror = tmp_path / "mirror"
    trusted = "--trusted-publisher"
    add(kernels, tmp_path, mirror, "org/gamma", "g1", "--branch", "v1", trusted)
    gamma2, _ = add(kernels, tmp_path, mirror, "org/gamma", "g2", "--branch", "v2", trusted)
    if shape == "chain":
        add(kernels, tmp_path, mirror, "org/beta", "b1", "--branch", "v1", trusted,
            kernel_depends={CPU: [requires("org/gamma", version=1)]})
        add(kernels, tmp_path, mirror, "org/alpha", "a1", "--branch", "v1", trusted,
            kernel_depends={"torch-cpu": [requires("org/beta", version=1)]})
        dependencies = '"org/alpha" = 1\n'
    else:
        add(kernels, tmp_path, mirror, "org/beta", "b1", "--branch", "v1", trusted,
            kernel_depends={CUDA: [requires("org/gamma", revision=gamma2)]})
        add(kernels, tmp_path, mirror, "org/alpha", "a1", "--branch", "v1", trusted,
            kernel_depends={CPU: [requires("org/beta", version=1), requires("org/gamma", version=1)],
                            "torch-cpu": [requires("org/gamma", version=1)]})
        dependencies = '"org/gamma" = 1\n"org/alpha" = 1\n'
    server = serve(mirror)
    theirs = project(tmp_path / "theirs", dependencies)
    ours = project(tmp_path / "ours", dependencies)

    reference = run_reference(CURRENT, ["lock", str(theirs)], server.url, tmp_path / "hf-ref")
    assert reference.returncode == 0, reference.stderr
    result = kernels("--endpoint", server.url, "--project", str(ours), "lock", "--format", "commits")
    assert result.returncode == 0, result.stderr
    assert (ours / "kernels.lock").read_bytes() == (theirs / "kernels.lock").read_bytes()
    expected = {"chain": 3, "diamond": 4}[shape]
    assert len(json.loads((ours / "kernels.lock").read_text())) == expected

    check = kernels("--endpoint", server.url, "--project", str(theirs), "lock", "--check")
    assert check.returncode == 0, check.stderr
