"""`kernels bundle export | import`: locked variants carried to a machine without network, verified
against the lock on the way in; hostile and damaged archives refused without touching the cache."""

import io
import json
import tarfile

import pytest
from download_fixtures import request_lines, setup  # noqa: F401 (fixture)
from lock_fixtures import VARIANTS
from mirror_fixtures import serve  # noqa: F401 (fixture)

CPU, CUDA, NOARCH = VARIANTS


def exported(setup, *variant_args):
    setup.lock()
    assert setup.run("download", "--all-variants").returncode == 0
    archive = setup.tmp_path / "kernels.tar.zst"
    result = setup.run("bundle", "export", str(archive), *variant_args, "--json")
    assert result.returncode == 0, result.stderr
    return archive, json.loads(result.stdout)


def run_offline(setup, cache, *args):
    """On the air-gapped side: no endpoint that answers, HF_HUB_OFFLINE set, another cache."""
    return setup.kernels("--endpoint", "http://127.0.0.1:9", "--project", str(setup.project), *args,
                         env={"KERNELS_CACHE": str(cache), "HF_HUB_OFFLINE": "1"})


def test_export_then_import_into_an_empty_cache_then_offline_download_and_check(setup):
    archive, report = exported(setup, "--all-variants")
    assert {(v["repo_id"], v["variant"]) for v in report["variants"]} == {
        (repo, variant) for repo in ("org/relu", "org/act") for variant in VARIANTS}
    assert archive.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"  # zstd

    fresh = setup.tmp_path / "airgapped-cache"
    before = len(request_lines(setup.server))
    imported = run_offline(setup, fresh, "bundle", "import", str(archive), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["blobs"] == report["blobs"]
    download = run_offline(setup, fresh, "download", "--all-variants", "--json")
    assert download.returncode == 0, download.stderr
    assert {v["state"] for v in json.loads(download.stdout)["variants"]} == {"cached"}
    check = run_offline(setup, fresh, "check", "--cache", "--backend", "cpu")
    assert check.returncode == 0, check.stderr + check.stdout
    assert len(request_lines(setup.server)) == before  # the import asked nothing of anyone
    for repo in ("org/relu", "org/act"):
        snapshot = fresh / ("kernels--" + repo.replace("/", "--")) / "snapshots" / setup.commit(repo)
        for path, data in setup.files[repo].items():
            if path.startswith("build/") and "__pycache__" not in path:
                assert (snapshot / path).is_symlink() and (snapshot / path).read_bytes() == data

    again = run_offline(setup, fresh, "bundle", "import", str(archive), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["blobs"] == 0


def test_export_of_a_variant_not_in_the_cache_names_the_fix(setup):
    setup.lock()
    assert setup.run("download", "--variant", NOARCH).returncode == 0
    result = setup.run("bundle", "export", str(setup.tmp_path / "b.tar.zst"), "--variant", CPU)
    assert result.returncode == 6
    assert "kernels download" in result.stderr
    assert not (setup.tmp_path / "b.tar.zst").exists()


def test_import_against_another_lock_is_refused_before_writing(setup):
    archive, _ = exported(setup, "--variant", NOARCH)
    lock_path = setup.project / "kernels.lock"
    lock = json.loads(lock_path.read_text())
    lock[0]["sha"] = "0" * 40
    lock_path.write_text(json.dumps(lock, indent=2))
    fresh = setup.tmp_path / "other-cache"
    result = run_offline(setup, fresh, "bundle", "import", str(archive))
    assert result.returncode == 4
    assert "0" * 40 in result.stderr and "same kernels.lock" in result.stderr
    assert not fresh.exists() or not any(p.is_file() for p in fresh.rglob("*"))


def manifest_and_blobs(setup, variant=NOARCH):
    """A valid plain-tar bundle built from the cache by hand, as (TarInfo, bytes) pairs."""
    setup.lock()
    assert setup.run("download", "--variant", variant).returncode == 0
    entries = []
    blobs = []
    for repo in ("org/relu", "org/act"):
        folder = f"kernels--{repo.replace('/', '--')}"
        snapshot = setup.cache / folder / "snapshots" / setup.commit(repo)
        lock_hash = next(e for e in json.loads((setup.project / "kernels.lock").read_text())
                         if e["repo_id"] == repo)["variants"][variant]["hash"]
        files = []
        for path in sorted(p for p in (snapshot / "build" / variant).rglob("*") if p.is_symlink()):
            etag = (path.resolve()).name
            rel = str(path.relative_to(snapshot))
            files.append({"path": rel, "etag": etag, "size": path.stat().st_size})
            blobs.append((f"{folder}/blobs/{etag}", path.read_bytes()))
        entries.append({"repo_id": repo, "repo_type": "kernel", "commit": setup.commit(repo),
                        "variants": [{"name": variant, "lock_hash": lock_hash, "files": files}]})
    manifest = {"format": "kernels-bundle", "version": 1, "kernels": entries}
    return manifest, dict(blobs)


def write_tar(path, members):
    with tarfile.open(path, "w") as out:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, data
                out.addfile(info)
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, data
                out.addfile(info)
            else:
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
    return path


def members_of(manifest, blobs):
    return [("manifest.json", json.dumps(manifest).encode(), "file")] + \
        [(name, data, "file") for name, data in blobs.items()]


def test_a_hand_made_plain_tar_bundle_imports(setup):
    manifest, blobs = manifest_and_blobs(setup)
    archive = write_tar(setup.tmp_path / "hand.tar", members_of(manifest, blobs))
    fresh = setup.tmp_path / "c"
    result = run_offline(setup, fresh, "bundle", "import", str(archive))
    assert result.returncode == 0, result.stderr
    assert run_offline(setup, fresh, "download", "--variant", NOARCH).returncode == 0


@pytest.mark.parametrize("hostile", ["escape_path", "absolute", "symlink", "hardlink", "unannounced",
                                     "wrong_bytes", "manifest_not_first", "bad_manifest_hash"])
def test_hostile_archives_are_refused_and_nothing_unverified_is_published(setup, hostile):
    manifest, blobs = manifest_and_blobs(setup)
    members = members_of(manifest, blobs)
    victim = setup.tmp_path / "victim.txt"
    victim.write_text("do not touch")
    expected_code = 1
    if hostile == "escape_path":
        members.insert(1, ("kernels--org--relu/../../../victim.txt", b"overwritten", "file"))
    elif hostile == "absolute":
        members.insert(1, (str(victim), b"overwritten", "file"))
    elif hostile == "symlink":
        members.insert(1, ("kernels--org--relu/blobs/evil", str(victim), "symlink"))
    elif hostile == "hardlink":
        members.insert(1, ("kernels--org--relu/blobs/evil", str(victim), "hardlink"))
    elif hostile == "unannounced":
        members.append(("kernels--org--relu/blobs/" + "ab" * 32, b"extra", "file"))
    elif hostile == "wrong_bytes":
        name, data, kind = members[1]
        members[1] = (name, bytes([data[0] ^ 0xFF]) + data[1:], kind)
        expected_code = 4
    elif hostile == "manifest_not_first":
        members.append(members.pop(0))
    elif hostile == "bad_manifest_hash":
        manifest["kernels"][0]["variants"][0]["files"].pop()
        members[0] = ("manifest.json", json.dumps(manifest).encode(), "file")
        expected_code = 4
    archive = write_tar(setup.tmp_path / "hostile.tar", members)
    fresh = setup.tmp_path / "target-cache"
    result = run_offline(setup, fresh, "bundle", "import", str(archive))
    assert result.returncode == expected_code, result.stderr
    assert result.stderr.strip(), "a refusal says why"
    assert victim.read_text() == "do not touch"
    # Nothing unverified is visible: no snapshot links, no marker, and every published blob matches.
    if fresh.exists():
        assert not [p for p in fresh.rglob("*") if "snapshots" in p.parts and p.is_symlink()]
        assert not list(fresh.rglob("kernels-verified/*/*.json"))
        verify = run_offline(setup, fresh, "cache", "verify")
        assert verify.returncode == 0, verify.stderr


def test_import_repairs_a_tampered_blob_without_network(setup):
    archive, _ = exported(setup, "--variant", NOARCH)
    snapshot = setup.snapshot("org/relu") / "build" / NOARCH
    blob = next(p for p in snapshot.rglob("*") if p.is_symlink()).resolve()
    blob.chmod(0o644)
    blob.write_bytes(b"tampered")
    broken = run_offline(setup, setup.cache, "download", "--variant", NOARCH)
    assert broken.returncode == 4
    repaired = run_offline(setup, setup.cache, "bundle", "import", str(archive))
    assert repaired.returncode == 0, repaired.stderr
    assert run_offline(setup, setup.cache, "download", "--variant", NOARCH).returncode == 0
