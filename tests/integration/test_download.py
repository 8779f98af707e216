"""`kernels download` and `kernels check --cache` against `kernels serve`: variants, the cache
layout, markers, offline use, integrity failures and repairs."""

import json
import os

from download_fixtures import setup, request_lines  # noqa: F401 (fixture)
from lock_fixtures import VARIANTS
from mirror_fixtures import serve  # noqa: F401 (fixture)

CPU, CUDA, NOARCH = VARIANTS


def test_all_variants_then_a_second_run_makes_no_request(setup):
    setup.lock()
    result = setup.run("download", "--all-variants", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {(v["repo_id"], v["variant"]) for v in report["variants"]} == {
        (repo, variant) for repo in ("org/relu", "org/act") for variant in VARIANTS}
    assert all(v["state"] == "downloaded" for v in report["variants"])
    for repo in ("org/relu", "org/act"):
        setup.check_files(repo, VARIANTS)
        folder = setup.cache / ("kernels--" + repo.replace("/", "--"))
        for variant in VARIANTS:
            marker = json.loads((folder / "kernels-verified" / setup.commit(repo) / f"{variant}.json").read_text())
            assert marker["lock_hash"].startswith("sha256-")
        assert not list((folder / "blobs").glob("*.incomplete"))
    assert (setup.cache / ".locks" / "kernels--org--relu").is_dir()

    before = len(request_lines(setup.server))
    again = setup.run("download", "--all-variants", "--json")
    assert again.returncode == 0, again.stderr
    assert {v["state"] for v in json.loads(again.stdout)["variants"]} == {"cached"}
    assert len(request_lines(setup.server)) == before

    check = setup.run("check", "--lock", "--cache", "--backend", "cpu", "--json")
    assert check.returncode == 0, check.stderr + check.stdout
    assert json.loads(check.stdout)["lock"]["up_to_date"] is True


def test_named_variant_and_best_variant(setup):
    setup.lock()
    named = setup.run("download", "--variant", NOARCH, "--json")
    assert named.returncode == 0, named.stderr
    assert {v["variant"] for v in json.loads(named.stdout)["variants"]} == {NOARCH}
    setup.check_files("org/relu", [NOARCH])
    assert not (setup.snapshot("org/relu") / "build" / CPU).exists()

    unknown = setup.run("download", "--variant", "torch99-cxx11-cu999-x86_64-linux")
    assert unknown.returncode == 6
    assert NOARCH in unknown.stderr and "available variants" in unknown.stderr

    best = setup.run("download", "--backend", "cpu", "--json")
    assert best.returncode == 0, best.stderr
    chosen = {v["variant"] for v in json.loads(best.stdout)["variants"]}
    assert len(chosen) == 1 and chosen <= set(VARIANTS)


def test_plain_progress_lines_when_not_a_terminal_and_quiet(setup):
    setup.lock()
    result = setup.run("download", "--variant", CPU)
    assert result.returncode == 0, result.stderr
    assert "fetching org/relu build/" in result.stderr and "fetched org/relu" in result.stderr
    assert f"org/relu {CPU}: downloaded" in result.stdout
    quiet = setup.run("-q", "download", "--variant", CPU)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_wrong_bytes_exit_4_and_nothing_is_published(setup, serve):
    setup.lock()
    corrupt = serve(setup.mirror, "--corrupt-rate", "1")
    result = setup.run("download", "--variant", CPU, server=corrupt)
    assert result.returncode == 4, result.stderr
    assert "org/" in result.stderr and CPU in result.stderr and "expected" in result.stderr
    for repo in ("org/relu", "org/act"):
        folder = setup.cache / ("kernels--" + repo.replace("/", "--"))
        assert not (folder / "snapshots").exists() or not any(p.is_file() for p in (folder / "snapshots").rglob("*"))
        assert not (folder / "blobs").exists() or not any((folder / "blobs").iterdir())


def test_a_tampered_blob_fails_check_and_download_repairs_it(setup):
    setup.lock()
    assert setup.run("download", "--all-variants").returncode == 0
    link = setup.snapshot("org/relu") / "build" / CPU / "metadata.json"
    for blob in (setup.cache / "kernels--org--relu" / "blobs").iterdir():
        os.chmod(blob, 0o644)
        blob.write_bytes(b"tampered" + blob.read_bytes()[8:])

    check = setup.run("check", "--cache", "--backend", "cpu")
    assert check.returncode == 4, check.stderr
    assert "org/relu" in check.stderr and "expected" in check.stderr and "kernels download" in check.stderr
    offline = setup.run("--offline", "download", "--variant", CPU)
    assert offline.returncode == 4, offline.stderr

    repair = setup.run("download", "--all-variants", "--json")
    assert repair.returncode == 0, repair.stderr
    assert link.read_bytes() == setup.files["org/relu"][f"build/{CPU}/metadata.json"]
    setup.check_files("org/relu", VARIANTS)
    assert setup.run("check", "--cache", "--backend", "cpu").returncode == 0


def test_check_cache_exit_codes(setup):
    setup.lock()
    missing = setup.run("check", "--cache", "--backend", "cpu")
    assert missing.returncode == 6, missing.stderr
    assert "kernels download" in missing.stderr
    assert setup.run("download", "--all-variants").returncode == 0
    ok = setup.run("check", "--cache", "--backend", "cpu")
    assert ok.returncode == 0, ok.stderr
    for blob in (setup.cache / "kernels--org--act" / "blobs").iterdir():
        os.chmod(blob, 0o644)
        blob.write_bytes(blob.read_bytes()[:-1] + b"!")
    tampered = setup.run("check", "--cache", "--backend", "cpu")
    assert tampered.returncode == 4, tampered.stderr
    verify = setup.run("cache", "verify")
    assert verify.returncode == 4
    assert "kernels--org--act/blobs/" in verify.stderr and "do not match" in verify.stderr


def test_offline_uses_only_the_cache(setup):
    setup.lock()
    missing = setup.run("--offline", "download", "--variant", CPU)
    assert missing.returncode == 6
    assert "kernels download" in missing.stderr and "offline" in missing.stderr
    assert setup.run("download", "--variant", CPU).returncode == 0
    before = len(request_lines(setup.server))
    for env in ({"HF_HUB_OFFLINE": "1"}, {}):
        result = setup.run("download", "--variant", CPU, env=env)
        assert result.returncode == 0, result.stderr
    assert len(request_lines(setup.server)) == before


def test_locked_refuses_a_stale_lock(setup):
    setup.lock()
    (setup.project / "pyproject.toml").write_text('[tool.kernels.dependencies]\n"org/relu" = 1\n')
    result = setup.run("download", "--locked", "--variant", CPU)
    assert result.returncode == 3, result.stderr
    check = setup.run("check", "--lock")
    assert check.returncode == 3


def test_commits_lock_downloads_against_the_listing(setup):
    setup.lock("--format", "commits")
    result = setup.run("download", "--all-variants", "--json")
    assert result.returncode == 0, result.stderr
    setup.check_files("org/relu", VARIANTS)
    before = len(request_lines(setup.server))
    again = setup.run("--offline", "download", "--all-variants", "--json")
    assert again.returncode == 0, again.stderr
    again = setup.run("download", "--all-variants", "--json")
    assert again.returncode == 0, again.stderr
    assert {v["state"] for v in json.loads(again.stdout)["variants"]} == {"cached"}
    assert len(request_lines(setup.server)) == before
