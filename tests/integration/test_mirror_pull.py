"""`kernels mirror pull`: a mirror filled from another Hub (an upstream `kernels serve`) answers a
lock exactly as the upstream does; every byte is checked on the way, and a failure records nothing."""

import hashlib
import json

import pytest

from download_fixtures import request_lines
from lock_fixtures import VARIANTS, make_kernel_build, project
from mirror_fixtures import BIG_SIZE, DATE, serve, write  # noqa: F401 (fixture)

TOKEN = "hf_pullSecretToken1234567890"


def add_version(kernels, tmp_path, mirror, label, tag, *args, big=False, repo="org/relu"):
    """A build of `repo` (several variants, .so files in LFS, regular files) as a new commit."""
    build = tmp_path / f"build-{repo.replace('/', '-')}-{label}"
    files = make_kernel_build(build, repo.split("/")[1], label)
    if big:  # LFS by size, not by name
        files[f"build/{VARIANTS[0]}/weights.bin"] = label.encode() * (BIG_SIZE // len(label) + 1)
        write(build, f"build/{VARIANTS[0]}/weights.bin", files[f"build/{VARIANTS[0]}/weights.bin"])
    tagging = ["--tag", tag] if tag else []
    result = kernels("mirror", "add", str(build), "--repo", repo, "--mirror", str(mirror), *tagging, *args,
                     "--json", env={"SOURCE_DATE_EPOCH": DATE})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["commit"], files


@pytest.fixture
def upstream(kernels, tmp_path):
    """org/relu: v1.0.0 and v1.1.0 on branch v1, then v2.0.0 (main); org/model, a model repo."""
    directory = tmp_path / "upstream"
    commits, files = {}, {}
    for label, tag, extra in (("a0", "v1.0.0", ["--branch", "v1", "--trusted-publisher"]),
                              ("a1", "v1.1.0", ["--branch", "v1"]),
                              ("b0", "v2.0.0", [])):
        commits[tag], files[tag] = add_version(kernels, tmp_path, directory, label, tag, *extra,
                                               big=label == "a1")
    write(tmp_path / "model", "config.json", b'{"hidden_size": 8}\n')
    model = kernels("mirror", "add", str(tmp_path / "model"), "--repo", "org/model", "--type", "model",
                    "--mirror", str(directory), env={"SOURCE_DATE_EPOCH": DATE})
    assert model.returncode == 0, model.stderr
    return {"dir": directory, "commits": commits, "files": files}


def pull(kernels, url, spec, mirror, *args, env=None):
    return kernels("mirror", "pull", spec, "--from", url, "--mirror", str(mirror), *args, env=env)


def lock_text(kernels, url, proj):
    (proj / "kernels.lock").unlink(missing_ok=True)
    result = kernels("--endpoint", url, "--project", str(proj), "lock")
    assert result.returncode == 0, result.stderr
    return (proj / "kernels.lock").read_bytes()


def test_a_lock_against_the_pulled_mirror_is_byte_identical(kernels, upstream, serve, tmp_path):
    source = serve(upstream["dir"], "--tree-page-size", "3")
    pulled = tmp_path / "pulled"
    for spec in ("org/relu@>=1,<2", "org/relu"):
        result = pull(kernels, source.url, spec, pulled)
        assert result.returncode == 0, result.stderr
    copy = serve(pulled)
    for dependencies in ('"org/relu" = ">=1,<2"\n', '"org/relu" = 1\n', '"org/relu" = ">=2"\n',
                         '"org/relu" = { revision = "main" }\n', '"org/relu" = "==1.1.0"\n'):
        proj = project(tmp_path / "proj", dependencies)
        original = lock_text(kernels, source.url, proj)
        assert lock_text(kernels, copy.url, proj) == original, dependencies
    # The pulled commits keep the upstream's ids; the v1.0.0 tag was never pulled.
    refs = json.loads((pulled / "repos/org/relu/refs.json").read_text())
    assert refs == {"branches": {"main": upstream["commits"]["v2.0.0"], "v1": upstream["commits"]["v1.1.0"]},
                    "tags": {"v1.1.0": upstream["commits"]["v1.1.0"], "v2.0.0": upstream["commits"]["v2.0.0"]}}
    assert json.loads((pulled / "mirror.json").read_text()) == {"format": 2}
    assert json.loads((pulled / "orgs/org.json").read_text()) == {"trustedKernelPublisher": True}


def test_download_from_the_pulled_mirror_verifies(kernels, upstream, serve, tmp_path):
    source = serve(upstream["dir"])
    pulled = tmp_path / "pulled"
    assert pull(kernels, source.url, "org/relu@1", pulled).returncode == 0
    copy = serve(pulled)
    proj = project(tmp_path / "proj", '"org/relu" = 1\n')
    cache = tmp_path / "cache"
    env = {"KERNELS_CACHE": str(cache)}
    assert kernels("--endpoint", copy.url, "--project", str(proj), "lock").returncode == 0
    result = kernels("--endpoint", copy.url, "--project", str(proj), "download", "--all-variants", "--json",
                     env=env)
    assert result.returncode == 0, result.stderr
    assert {v["state"] for v in json.loads(result.stdout)["variants"]} == {"downloaded"}
    snapshot = cache / "kernels--org--relu" / "snapshots" / upstream["commits"]["v1.1.0"]
    for path, data in upstream["files"]["v1.1.0"].items():
        if path.startswith("build/") and "__pycache__" not in path:
            assert (snapshot / path).read_bytes() == data, path
    check = kernels("--endpoint", copy.url, "--project", str(proj), "check", "--cache", "--backend", "cpu",
                    env=env)
    assert check.returncode == 0, check.stderr


def test_a_specifier_picks_the_highest_matching_tag_and_main_comes_along(kernels, upstream, serve, tmp_path):
    source = serve(upstream["dir"])
    pulled = tmp_path / "pulled"
    result = pull(kernels, source.url, "org/relu@>=1,<2", pulled, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    first, main = document["commits"]
    assert document["commit"] == first["commit"] == upstream["commits"]["v1.1.0"]
    assert first["revision"] == "v1.1.0" and first["tags"] == ["v1.1.0"] and first["branches"] == ["v1"]
    assert first["added"] and first["files"] == len(upstream["files"]["v1.1.0"])
    # Identical files (bytecode, __init__.py of several variants) are fetched once.
    assert first["files_fetched"] == len(set(upstream["files"]["v1.1.0"].values()))
    assert first["lfs_files"] == 3  # two .so files and the big weights.bin
    assert main["revision"] == "main" and main["commit"] == upstream["commits"]["v2.0.0"]
    assert main["tags"] == ["v2.0.0"] and main["branches"] == ["main"]
    assert document["type"] == "kernel" and document["created_repo"] is True
    commit = json.loads((pulled / "repos/org/relu/commits" / f"{first['commit']}.json").read_text())
    assert commit["upstream"] == {"commit": first["commit"], "endpoint": source.url}
    assert commit["created"] == "2026-01-01T00:00:00.000Z" and commit["parents"] == []
    big = next(f for f in commit["files"] if f["path"].endswith("weights.bin"))
    assert big["lfs"] is True and big["size"] > 10 * 1024 * 1024
    assert (pulled / "objects" / big["sha256"][:2] / big["sha256"]).stat().st_size == big["size"]

    human = pull(kernels, source.url, "org/relu@v1.0.0", pulled)
    assert human.returncode == 0, human.stderr
    line = human.stdout.splitlines()[0]
    assert line.startswith(upstream["commits"]["v1.0.0"] + " org/relu@v1.0.0: added ")
    assert "refs: tag v1.0.0" in line and source.url in line


def test_pulling_again_fetches_nothing_and_changes_nothing(kernels, upstream, serve, tmp_path):
    source = serve(upstream["dir"], "-v")
    pulled = tmp_path / "pulled"
    assert pull(kernels, source.url, "org/relu@1", pulled).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in pulled.rglob("*") if p.is_file()}
    seen = len(request_lines(source))
    again = pull(kernels, source.url, "org/relu@1", pulled, "--json")
    assert again.returncode == 0, again.stderr
    for commit in json.loads(again.stdout)["commits"]:
        assert commit["added"] is False and commit["files_fetched"] == 0
    assert not [line for line in request_lines(source)[seen:] if "/resolve/" in line or " /lfs/" in line]
    assert {p: p.stat().st_mtime_ns for p in pulled.rglob("*") if p.is_file()} == before
    assert "already in the mirror" in pull(kernels, source.url, "org/relu@1", pulled).stdout


def test_a_newer_upstream_version_adds_a_commit_and_moves_the_refs(kernels, serve, tmp_path):
    directory = tmp_path / "upstream"
    first, _ = add_version(kernels, tmp_path, directory, "a0", "v1.0.0", "--branch", "v1")
    source = serve(directory)
    pulled = tmp_path / "pulled"
    assert pull(kernels, source.url, "org/relu@1", pulled).returncode == 0
    second, _ = add_version(kernels, tmp_path, directory, "a1", "v1.1.0", "--branch", "v1")
    result = pull(kernels, source.url, "org/relu@1", pulled, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["commit"] == second and document["commits"][0]["added"] is True
    assert {(m["ref"], m["from"], m["to"]) for m in document["moved_refs"]} == {
        ("branch v1", first, second), ("branch main", first, second)}
    assert document["commits"][0]["files_fetched"] > 0
    refs = json.loads((pulled / "repos/org/relu/refs.json").read_text())
    assert refs["branches"] == {"main": second, "v1": second}
    assert refs["tags"] == {"v1.0.0": first, "v1.1.0": second}
    assert (pulled / "repos/org/relu/commits" / f"{first}.json").is_file()


def test_a_model_repo_is_pulled_as_a_model(kernels, upstream, serve, tmp_path):
    source = serve(upstream["dir"])
    pulled = tmp_path / "pulled"
    result = pull(kernels, source.url, "org/model", pulled, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["type"] == "model"
    assert json.loads((pulled / "repos/org/model/repo.json").read_text())["type"] == "model"


def test_unknown_repo_and_unsatisfiable_versions_are_clear_errors(kernels, upstream, serve, tmp_path):
    source = serve(upstream["dir"])
    pulled = tmp_path / "pulled"
    missing = pull(kernels, source.url, "org/nope", pulled)
    assert missing.returncode == 6
    assert "org/nope" in missing.stderr and "not found" in missing.stderr and "HF_TOKEN" in missing.stderr
    unsatisfiable = pull(kernels, source.url, "org/relu@>=9", pulled)
    assert unsatisfiable.returncode == 6
    assert "No version of `org/relu` satisfies requirement: >=9" in unsatisfiable.stderr
    assert "available versions: 1.0.0, 1.1.0, 2.0.0" in unsatisfiable.stderr
    branch = pull(kernels, source.url, "org/relu@7", pulled)
    assert branch.returncode == 6 and "Version 7 not found, available versions: 1" in branch.stderr
    revision = pull(kernels, source.url, "org/relu@no-such-branch", pulled)
    assert revision.returncode == 6 and "no-such-branch" in revision.stderr
    assert len({missing.stderr, unsatisfiable.stderr, branch.stderr, revision.stderr}) == 4
    assert not pulled.exists()  # nothing is written before the upstream answered

    layer = pull(kernels, source.url, "org/relu:Layer", pulled)
    assert layer.returncode == 2 and "layer" in layer.stderr
    malformed = pull(kernels, source.url, "org/relu@>=1.x", pulled)
    assert malformed.returncode == 2, malformed.stderr
    assert "invalid version for 'org/relu'" in malformed.stderr
    unreachable = pull(kernels, "http://127.0.0.1:1", "org/relu", pulled,
                       env={"KERNELS_REQUEST_TIMEOUT": "2"})
    assert unreachable.returncode == 5, unreachable.stderr


def test_wrong_bytes_exit_4_and_record_nothing(kernels, upstream, serve, tmp_path):
    source = serve(upstream["dir"], "--corrupt-rate", "1")
    pulled = tmp_path / "pulled"
    result = pull(kernels, source.url, "org/relu@v1.0.0", pulled)
    assert result.returncode == 4, result.stderr
    assert "org/relu" in result.stderr and "expected" in result.stderr and ", got " in result.stderr
    assert any(path in result.stderr for path in upstream["files"]["v1.0.0"])
    assert "nothing of org/relu was recorded" in result.stderr
    repo = pulled / "repos/org/relu"
    assert not (repo / "refs.json").exists() and not (repo / "repo.json").exists()
    assert not (repo / "commits").exists()
    # Whatever object is there was verified: its name is its content's SHA-256.
    for obj in (pulled / "objects").rglob("*"):
        if obj.is_file():
            assert hashlib.sha256(obj.read_bytes()).hexdigest() == obj.name

    # The same pull from a good upstream then succeeds.
    good = serve(upstream["dir"])
    assert pull(kernels, good.url, "org/relu@v1.0.0", pulled).returncode == 0
    assert (repo / "refs.json").exists()


def test_the_token_goes_to_the_upstream_and_is_never_printed(kernels, serve, tmp_path):
    directory = tmp_path / "upstream"
    commit, _ = add_version(kernels, tmp_path, directory, "s0", "v1.0.0", "--private", repo="org/secret")
    source = serve(directory, "--require-token", TOKEN)
    pulled = tmp_path / "pulled"
    without = pull(kernels, source.url, "org/secret", pulled)
    assert without.returncode == 6 and "HF_TOKEN" in without.stderr
    wrong = pull(kernels, source.url, "org/secret", pulled, "-v", env={"HF_TOKEN": TOKEN[:-1] + "X"})
    assert wrong.returncode != 0
    assert TOKEN[:-1] not in wrong.stdout + wrong.stderr
    result = pull(kernels, source.url, "org/secret", pulled, "-v", "--json", env={"HF_TOKEN": TOKEN})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["commit"] == commit
    assert TOKEN not in result.stdout + result.stderr
    assert json.loads((pulled / "repos/org/secret/repo.json").read_text())["private"] is True
    for path in pulled.rglob("*.json"):
        assert TOKEN not in path.read_text()


def test_a_moved_kernel_names_its_destination(kernels, serve, tmp_path):
    directory = tmp_path / "upstream"
    build = tmp_path / "old"
    make_kernel_build(build, "old", "o0")
    write(build, "kernel-status.toml", b'kind = "redirect"\ndestination = "org/relu"\n')
    assert kernels("mirror", "add", str(build), "--repo", "org/old", "--mirror", str(directory)).returncode == 0
    source = serve(directory)
    result = pull(kernels, source.url, "org/old", tmp_path / "pulled", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["redirect"] == "org/relu"
    assert "pull org/relu too" in pull(kernels, source.url, "org/old", tmp_path / "pulled").stderr
