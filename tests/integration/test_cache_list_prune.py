"""`kernels cache list` and `kernels cache prune` over a cache filled by `kernels download` from
`kernels serve`: what is listed, what a prune keeps (locks, dates, held blob locks), and that it
never follows a link out of the cache."""

import fcntl
import json
import os
import time

from download_fixtures import request_lines, setup  # noqa: F401 (fixture)
from lock_fixtures import VARIANTS, project
from mirror_fixtures import serve  # noqa: F401 (fixture)

CPU, CUDA, NOARCH = VARIANTS


def folder(setup, repo):
    return setup.cache / ("kernels--" + repo.replace("/", "--"))


def run_in(setup, project_dir, *args):
    return setup.kernels("--endpoint", setup.server.url, "--project", str(project_dir), *args,
                         env={"KERNELS_CACHE": str(setup.cache)})


def two_projects(setup):
    """Project A locks org/relu, project B org/act; both are downloaded (all variants)."""
    a = project(setup.tmp_path / "a", '"org/relu" = 1\n')
    b = project(setup.tmp_path / "b", '"org/act" = 1\n')
    setup.lock()  # the fixture's project (both repos, the same commits): setup.snapshot() reads it
    for directory in (a, b):
        assert run_in(setup, directory, "lock").returncode == 0
        result = run_in(setup, directory, "download", "--all-variants")
        assert result.returncode == 0, result.stderr
    return a, b


def blob_files(setup, repo):
    blobs = folder(setup, repo) / "blobs"
    return sorted(p.name for p in blobs.iterdir()) if blobs.exists() else []


def prune(setup, *args):
    result = setup.run("cache", "prune", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_list_shows_repos_commits_variants_markers_refs_and_sizes(setup):
    setup.lock()
    assert setup.run("download", "--variant", CPU, "--variant", NOARCH).returncode == 0
    result = setup.run("cache", "list", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    repos = {repo["repo_id"]: repo for repo in document["repos"]}
    assert set(repos) == {"org/relu", "org/act"}
    relu = repos["org/relu"]
    assert relu["folder"] == "kernels--org--relu" and relu["holds_kernels"]
    [commit] = relu["commits"]
    assert commit["commit"] == setup.commit("org/relu")
    assert "v1" in commit["refs"]
    assert {v["variant"] for v in commit["variants"]} == {CPU, NOARCH}
    assert all(v["verified"] for v in commit["variants"])
    blob_bytes = sum((folder(setup, "org/relu") / "blobs" / name).stat().st_size
                     for name in blob_files(setup, "org/relu"))
    assert relu["bytes"] == blob_bytes
    # Blobs shared by two variants count once for the commit.
    assert commit["bytes"] <= sum(v["bytes"] for v in commit["variants"])
    assert commit["bytes"] == blob_bytes
    assert document["bytes"] == sum(repo["bytes"] for repo in document["repos"])
    assert commit["last_used"].endswith("Z")

    # A changed blob makes the marker stale: listed as unverified.
    cpu_blob = next((setup.snapshot("org/relu") / "build" / CPU).iterdir()).resolve()
    os.utime(cpu_blob, ns=(1, 1))
    listed = json.loads(setup.run("cache", "list", "--json").stdout)
    variants = {v["variant"]: v for v in listed["repos"][1]["commits"][0]["variants"]}
    assert variants[CPU]["verified"] is False

    text = setup.run("cache", "list")
    assert text.returncode == 0 and "org/relu" in text.stdout and CPU in text.stdout
    assert "2 repos" in text.stdout


def test_download_of_a_complete_cache_touches_the_marker(setup):
    setup.lock()
    assert setup.run("download", "--variant", CPU).returncode == 0
    marker = folder(setup, "org/relu") / "kernels-verified" / setup.commit("org/relu") / f"{CPU}.json"
    os.utime(marker, (1000, 1000))
    assert setup.run("download", "--variant", CPU).returncode == 0
    assert marker.stat().st_mtime > time.time() - 600


def test_prune_keeping_one_project_removes_the_others_blobs(setup):
    a, b = two_projects(setup)
    relu_blobs = blob_files(setup, "org/relu")
    report = prune(setup, "--keep", str(a))
    assert report["dry_run"] is False and report["bytes_freed"] > 0
    assert not folder(setup, "org/act").exists()
    assert blob_files(setup, "org/relu") == relu_blobs
    assert {e["kind"] for e in report["removed"]} >= {"commit", "blob", "repo"}
    # Lock files stay (another process may hold one).
    assert (setup.cache / ".locks" / "kernels--org--act").is_dir()

    assert run_in(setup, a, "check", "--cache", "--backend", "cpu").returncode == 0
    before = len(request_lines(setup.server))
    offline = run_in(setup, a, "--offline", "download", "--all-variants")
    assert offline.returncode == 0, offline.stderr
    assert len(request_lines(setup.server)) == before
    # The pruned project needs a download again.
    assert run_in(setup, b, "--offline", "download").returncode == 6


def test_dry_run_removes_nothing(setup):
    two_projects(setup)
    before = sorted(str(p) for p in setup.cache.rglob("*"))
    report = prune(setup, "--keep", str(setup.tmp_path / "a"), "--dry-run")
    assert report["dry_run"] is True and report["bytes_freed"] > 0 and report["removed"]
    assert sorted(str(p) for p in setup.cache.rglob("*")) == before
    text = setup.run("cache", "prune", "--keep", str(setup.tmp_path / "a"), "--dry-run")
    assert "would remove" in text.stdout and "would free" in text.stdout


def test_older_than_removes_only_what_was_not_used_since(setup):
    a, b = two_projects(setup)
    # org/act was last used long ago: its markers and links get an old mtime.
    old = 1_000_000_000  # 2001
    for path in folder(setup, "org/act").rglob("*"):
        if path.is_symlink() or path.suffix == ".json":
            os.utime(path, (old, old), follow_symlinks=False)
    report = prune(setup, "--older-than", "30d")
    assert report["removed"]
    assert not folder(setup, "org/act").exists()
    assert run_in(setup, a, "check", "--cache", "--backend", "cpu").returncode == 0
    # An ISO date before everything removes nothing more.
    assert prune(setup, "--older-than", "2000-01-01")["removed"] == []


def test_a_held_blob_lock_keeps_its_blob(setup):
    a, b = two_projects(setup)
    act_blobs = [name for name in blob_files(setup, "org/act") if not name.endswith(".incomplete")]
    held = act_blobs[0]
    lock_path = setup.cache / ".locks" / "kernels--org--act" / f"{held}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        report = prune(setup, "--keep", str(a))
        assert (folder(setup, "org/act") / "blobs" / held).is_file()
        assert any(held in skip["path"] and "lock" in skip["reason"] for skip in report["skipped"])
    assert blob_files(setup, "org/act") == [held]
    # Once the lock is free the next prune takes it, and the repo folder with it.
    prune(setup, "--keep", str(a))
    assert not folder(setup, "org/act").exists()


def test_a_running_download_keeps_the_repos_blobs(setup):
    a, b = two_projects(setup)
    lock_path = setup.cache / ".locks" / "kernels--org--act" / "kernels-download.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        report = prune(setup, "--keep", str(a))
        assert any("kernels download" in skip["reason"] for skip in report["skipped"])
    assert blob_files(setup, "org/act")
    assert not (setup.snapshot("org/act")).exists()


def test_locked_incomplete_file_stays_and_a_stale_one_goes(setup):
    a, b = two_projects(setup)
    blobs = folder(setup, "org/relu") / "blobs"
    busy, stale = "a" * 64, "b" * 64
    (blobs / f"{busy}.incomplete").write_bytes(b"partial")
    (blobs / f"{stale}.incomplete").write_bytes(b"leftover")
    lock_path = setup.cache / ".locks" / "kernels--org--relu" / f"{busy}.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        report = prune(setup, "--keep", str(a))
    assert (blobs / f"{busy}.incomplete").exists()
    assert not (blobs / f"{stale}.incomplete").exists()
    assert any(e["kind"] == "incomplete" and stale in e["path"] for e in report["removed"])


def test_planted_links_are_removed_and_their_targets_untouched(setup):
    a, b = two_projects(setup)
    outside = setup.tmp_path / "outside"
    outside.mkdir()
    target = outside / "precious"
    target.write_bytes(b"do not delete")
    (outside / "dir").mkdir()
    (outside / "dir" / "inner").write_bytes(b"keep me too")
    relu_snapshot = setup.snapshot("org/relu")
    planted = [
        relu_snapshot / "build" / CPU / "planted",  # in a kept variant
        folder(setup, "org/relu") / "blobs" / ("c" * 64),  # a "blob" that is a link
        setup.snapshot("org/act") / "build" / CPU / "planted",  # in a pruned variant
        folder(setup, "org/act") / "snapshots" / ("d" * 40),  # a "commit" that is a link
    ]
    for link in planted[:3]:
        link.symlink_to(target)
    planted[3].symlink_to(outside / "dir")
    report = prune(setup, "--keep", str(a))
    for link in planted:
        assert not os.path.lexists(link), link
    assert target.read_bytes() == b"do not delete"
    assert (outside / "dir" / "inner").read_bytes() == b"keep me too"
    assert any(e["kind"] == "stray" for e in report["removed"])
    assert run_in(setup, a, "check", "--cache", "--backend", "cpu").returncode == 0


def test_usage_errors(setup):
    result = setup.run("cache", "prune")
    assert result.returncode == 2
    assert "--keep" in result.stderr and "--older-than" in result.stderr
    bad = setup.run("cache", "prune", "--older-than", "yesterday")
    assert bad.returncode == 2 and "30d" in bad.stderr
    missing = setup.run("cache", "prune", "--keep", str(setup.tmp_path / "nowhere"))
    assert missing.returncode != 0 and "kernels.lock" in missing.stderr


def test_models_folders_without_kernels_are_never_pruned(setup):
    two_projects(setup)
    model = setup.cache / "models--someone--bert"
    (model / "blobs").mkdir(parents=True)
    (model / "blobs" / ("e" * 40)).write_bytes(b"weights")
    (model / "snapshots" / ("f" * 40)).mkdir(parents=True)
    (model / "snapshots" / ("f" * 40) / "config.json").symlink_to("../../blobs/" + "e" * 40)
    prune(setup, "--keep", str(setup.tmp_path / "a"))
    prune(setup, "--older-than", "1s")
    assert (model / "snapshots" / ("f" * 40) / "config.json").read_bytes() == b"weights"
    listed = json.loads(setup.run("cache", "list", "--json").stdout)
    bert = next(r for r in listed["repos"] if r["repo_id"] == "someone/bert")
    assert bert["holds_kernels"] is False and bert["type"] == "model"
