"""`kernels lock` of kernels that depend on kernels (metadata.json `kernel-depends`), and the
publisher trust check, against `kernels serve`. The byte-for-byte comparison with kernels 0.17 is
in test_lock_interop.py."""

import json

import pytest

from lock_fixtures import add, expected_variant_hashes, make_kernel_build, project
from mirror_fixtures import DATE, serve  # noqa: F401  (pytest fixture)

CPU = "torch210-cxx11-cpu-x86_64-linux"
CUDA = "torch210-cxx11-cu128-x86_64-linux"
TRUSTED = "--trusted-publisher"


def requires(repo, **requirement):
    return {"repo-id": repo, **requirement}


def lock(kernels, server, proj, *args):
    return kernels("--endpoint", server.url, "--project", str(proj), "lock", *args)


@pytest.fixture
def chain(kernels, tmp_path):
    """org/alpha v1 -> org/beta v1 (its CPU build) -> org/gamma v1 (its CUDA build)."""
    mirror = tmp_path / "mirror"
    built = {}
    built["gamma"] = add(kernels, tmp_path, mirror, "org/gamma", "g1", "--branch", "v1", TRUSTED)
    built["beta"] = add(kernels, tmp_path, mirror, "org/beta", "b1", "--branch", "v1", TRUSTED,
                        kernel_depends={CUDA: [requires("org/gamma", version=1)]})
    built["alpha"] = add(kernels, tmp_path, mirror, "org/alpha", "a1", "--branch", "v1", TRUSTED,
                         kernel_depends={CPU: [requires("org/beta", version=1)]})
    return mirror, built


def test_hashes_format_locks_kernel_depends_after_the_project_s_own(kernels, chain, serve, tmp_path):
    mirror, built = chain
    server = serve(mirror)
    proj = project(tmp_path / "proj", '"org/alpha" = 1\n')
    result = lock(kernels, server, proj)
    assert result.returncode == 0, result.stderr
    entries = json.loads((proj / "kernels.lock").read_text())
    assert [entry["repo_id"] for entry in entries] == ["org/alpha", "org/beta", "org/gamma"]
    for entry, name in zip(entries, ("alpha", "beta", "gamma")):
        commit, files = built[name]
        assert entry["sha"] == commit
        assert {variant: lock["hash"] for variant, lock in entry["variants"].items()} == \
            expected_variant_hashes(files)

    # The lock is current; re-locking changes nothing.
    check = lock(kernels, server, proj, "--check")
    assert check.returncode == 0, check.stderr
    again = lock(kernels, server, proj)
    assert again.returncode == 0, again.stderr
    assert json.loads((proj / "kernels.lock").read_text()) == entries


def test_commits_format_locks_the_chain(kernels, chain, serve, tmp_path):
    mirror, built = chain
    server = serve(mirror)
    proj = project(tmp_path / "proj", '"org/alpha" = 1\n')
    result = lock(kernels, server, proj, "--format", "commits")
    assert result.returncode == 0, result.stderr
    entries = json.loads((proj / "kernels.lock").read_text())
    assert [(e["dependency"]["repo-id"], e["dependency"]["version"], e["lock"]["commit"]) for e in entries] == [
        ("org/alpha", 1, built["alpha"][0]), ("org/beta", 1, built["beta"][0]), ("org/gamma", 1, built["gamma"][0])]


def test_two_commits_of_one_repo_fit_only_the_commits_format(kernels, serve, tmp_path):
    mirror = tmp_path / "mirror"
    add(kernels, tmp_path, mirror, "org/gamma", "g1", "--branch", "v1", TRUSTED)
    add(kernels, tmp_path, mirror, "org/gamma", "g2", "--branch", "v2", TRUSTED)
    add(kernels, tmp_path, mirror, "org/beta", "b1", "--branch", "v1", TRUSTED,
        kernel_depends={CPU: [requires("org/gamma", version=2)]})
    server = serve(mirror)
    dependencies = '"org/gamma" = 1\n"org/beta" = 1\n'

    hashes = lock(kernels, server, project(tmp_path / "hashes", dependencies))
    assert hashes.returncode == 1
    assert "org/gamma is required twice with different commits" in hashes.stderr
    assert "by the project" in hashes.stderr and "by org/beta" in hashes.stderr
    assert "--format commits" in hashes.stderr

    commits_project = project(tmp_path / "commits", dependencies)
    commits = lock(kernels, server, commits_project, "--format", "commits")
    assert commits.returncode == 0, commits.stderr
    entries = json.loads((commits_project / "kernels.lock").read_text())
    assert [(e["dependency"]["repo-id"], e["dependency"]["version"]) for e in entries] == [
        ("org/beta", 1), ("org/gamma", 1), ("org/gamma", 2)]


@pytest.mark.parametrize("lock_format", ["hashes", "commits"])
def test_a_dependency_cycle_is_refused(kernels, serve, tmp_path, lock_format):
    mirror = tmp_path / "mirror"
    add(kernels, tmp_path, mirror, "org/xk", "x1", "--branch", "v1", TRUSTED,
        kernel_depends={CPU: [requires("org/yk", version=1)]})
    add(kernels, tmp_path, mirror, "org/yk", "y1", "--branch", "v1", TRUSTED,
        kernel_depends={"torch-cpu": [requires("org/xk", version=1)]})
    server = serve(mirror)
    proj = project(tmp_path / "proj", '"org/xk" = 1\n')
    result = lock(kernels, server, proj, "--format", lock_format)
    assert result.returncode == 1
    assert "cyclic kernel dependency: org/xk version 1 (branch v1) -> org/yk version 1 (branch v1) -> " \
        "org/xk" in result.stderr
    assert not (proj / "kernels.lock").exists()


def test_a_variant_without_metadata_json(kernels, serve, tmp_path):
    """kernels 0.17 reads every variant's metadata.json and fails without one; the hashes format
    (kernels <= 0.16 never read them) skips such a variant."""
    mirror = tmp_path / "mirror"
    build = tmp_path / "build-old"
    make_kernel_build(build, "old", "o1")
    (build / "build" / CPU / "metadata.json").unlink()
    added = kernels("mirror", "add", str(build), "--repo", "org/old", "--mirror", str(mirror), "--branch", "v1",
                    TRUSTED, env={"SOURCE_DATE_EPOCH": DATE})
    assert added.returncode == 0, added.stderr
    server = serve(mirror)

    commits = lock(kernels, server, project(tmp_path / "commits", '"org/old" = 1\n'), "--format", "commits")
    assert commits.returncode == 6
    assert f"build/{CPU}/metadata.json" in commits.stderr
    hashes = lock(kernels, server, project(tmp_path / "hashes", '"org/old" = 1\n'))
    assert hashes.returncode == 0, hashes.stderr


@pytest.fixture
def untrusted(kernels, tmp_path):
    """org/uk (trusted) depends on evil/zk, whose organization is not a trusted publisher."""
    mirror = tmp_path / "mirror"
    add(kernels, tmp_path, mirror, "evil/zk", "z1", "--branch", "v1")
    add(kernels, tmp_path, mirror, "org/uk", "u1", "--branch", "v1", TRUSTED,
        kernel_depends={CPU: [requires("evil/zk", version=1)]})
    return mirror


@pytest.mark.parametrize("dependencies", ['"evil/zk" = 1\n', '"org/uk" = 1\n'], ids=["direct", "transitive"])
def test_commits_format_refuses_an_untrusted_publisher_unless_trusted(kernels, untrusted, serve, tmp_path,
                                                                      dependencies):
    server = serve(untrusted)
    proj = project(tmp_path / "proj", dependencies)
    refused = lock(kernels, server, proj, "--format", "commits")
    assert refused.returncode == 1
    assert "kernel repository 'evil/zk' is not from a trusted publisher" in refused.stderr
    assert "kernels lock --trust-remote-code evil/zk" in refused.stderr
    assert not (proj / "kernels.lock").exists()

    for trust in (["--trust-remote-code", "evil/zk"], ["--trust-remote-code"]):
        allowed = lock(kernels, server, proj, "--format", "commits", *trust)
        assert allowed.returncode == 0, allowed.stderr
        assert "evil/zk" in (proj / "kernels.lock").read_text()


def test_an_organization_without_overview_cannot_be_verified(kernels, serve, tmp_path):
    mirror = tmp_path / "mirror"
    add(kernels, tmp_path, mirror, "org/relu", "r1", "--branch", "v1", TRUSTED)
    server = serve(mirror)
    proj = project(tmp_path / "proj", '"nobody/relu" = 1\n')
    result = lock(kernels, server, proj, "--format", "commits")
    assert result.returncode == 1
    assert "kernel repository 'nobody/relu' could not verify publisher trust status" in result.stderr


def test_hashes_format_warns_about_an_untrusted_publisher(kernels, untrusted, serve, tmp_path):
    server = serve(untrusted)
    proj = project(tmp_path / "proj", '"org/uk" = 1\n')
    result = lock(kernels, server, proj)
    assert result.returncode == 0, result.stderr
    assert "Kernel repository 'evil/zk' is not from a trusted publisher" in result.stderr
    assert [entry["repo_id"] for entry in json.loads((proj / "kernels.lock").read_text())] == [
        "org/uk", "evil/zk"]
    quiet = lock(kernels, server, project(tmp_path / "quiet", '"org/uk" = 1\n'), "--trust-remote-code", "evil/zk")
    assert quiet.returncode == 0, quiet.stderr
    assert "trusted publisher" not in quiet.stderr
