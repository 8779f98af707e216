"""`kernels mirror add`: a build folder becomes a commit of a mirror repo."""

import json

from mirror_fixtures import DATE, ELF, make_build, mirror  # noqa: F401 (fixture)


def test_mirror_add_prints_the_commit_and_links_it_to_its_parent(mirror, kernels):
    assert len(mirror["first"]) == 40 and len(mirror["second"]) == 40
    commit = json.loads((mirror["dir"] / "repos/org/relu/commits" / f"{mirror['second']}.json").read_text())
    assert commit["parents"] == [mirror["first"]]
    assert commit["created"] == "2026-01-01T00:00:00.000Z"
    so = next(f for f in commit["files"] if f["path"].endswith(".so"))
    assert so["lfs"] is True
    assert so["sha256"] == "469cbca28cea28014adae80244e707fac8511307b6e10fb57eeeeaba552baea8"
    assert so["oid"] == "d9e8e41374d0b7c111e64619345f6353f3f75ad0"
    assert (mirror["dir"] / "objects" / so["sha256"][:2] / so["sha256"]).read_bytes() == ELF


def test_mirror_add_is_deterministic_under_source_date_epoch(kernels, tmp_path):
    make_build(tmp_path / "build")
    ids = []
    for name in ("a", "b"):
        result = kernels("mirror", "add", str(tmp_path / "build"), "--repo", "org/relu",
                         "--mirror", str(tmp_path / name), env={"SOURCE_DATE_EPOCH": DATE})
        assert result.returncode == 0, result.stderr
        ids.append(result.stdout.strip())
    assert ids[0] == ids[1]


def test_mirror_add_json_describes_the_commit(mirror, kernels, tmp_path):
    result = kernels("mirror", "add", str(tmp_path / "build1"), "--repo", "org/relu", "--json",
                     "--mirror", str(mirror["dir"]), env={"SOURCE_DATE_EPOCH": DATE})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["parent"] == mirror["second"]
    assert document["files"] == 7 and document["lfs_files"] == 2
    assert document["branches"] == ["main"] and document["tag"] is None


def test_mirror_add_refuses_to_move_a_tag(mirror, kernels, tmp_path):
    result = kernels("mirror", "add", str(tmp_path / "build2"), "--repo", "org/relu", "--tag", "v1.0.0",
                     "--mirror", str(mirror["dir"]))
    assert result.returncode == 1
    assert "v1.0.0" in result.stderr and mirror["first"] in result.stderr
    refs = json.loads((mirror["dir"] / "repos/org/relu/refs.json").read_text())
    assert refs["tags"]["v1.0.0"] == mirror["first"]
    assert refs["branches"]["main"] == mirror["second"]


def test_mirror_add_refuses_a_link_leaving_the_build(kernels, tmp_path):
    make_build(tmp_path / "build")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "build" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    result = kernels("mirror", "add", str(tmp_path / "build"), "--repo", "org/relu",
                     "--mirror", str(tmp_path / "m"))
    assert result.returncode == 1
    assert "outside the build folder" in result.stderr


def test_mirror_add_refuses_an_invalid_source_date_epoch(kernels, tmp_path):
    make_build(tmp_path / "build")
    result = kernels("mirror", "add", str(tmp_path / "build"), "--repo", "org/relu",
                     "--mirror", str(tmp_path / "m"), env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert result.returncode == 1
    assert "SOURCE_DATE_EPOCH" in result.stderr


