"""`kernels serve`: every route of reference/hub-api.md section 11, checked with plain HTTP."""

import urllib.parse

import pytest
from mirror_fixtures import (  # noqa: F401 (fixtures)
    AWFUL, CPU_VARIANT, VARIANT, git_blob_id, mirror, request, serve, sha256)


def test_refs_lists_branches_tags_and_converts(mirror, serve):
    served = serve(mirror["dir"])
    reply = request(f"{served.url}/api/kernels/org/relu/refs")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    refs = reply.json()
    assert refs["converts"] == []
    assert refs["branches"] == [
        {"name": "main", "ref": "refs/heads/main", "targetCommit": mirror["second"]},
        {"name": "v1", "ref": "refs/heads/v1", "targetCommit": mirror["second"]},
    ]
    assert refs["tags"] == [
        {"name": "v1.0.0", "ref": "refs/tags/v1.0.0", "targetCommit": mirror["first"]},
        {"name": "v1.1.0", "ref": "refs/tags/v1.1.0", "targetCommit": mirror["second"]},
    ]


def test_repo_info_resolves_the_revision(mirror, serve):
    served = serve(mirror["dir"])
    info = request(f"{served.url}/api/kernels/org/relu").json()
    assert info["id"] == "org/relu" and info["sha"] == mirror["second"]
    assert info["lastModified"] == "2026-01-01T00:00:00.000Z"
    assert "siblings" not in info  # never for kernels (hub-api.md 2.4)
    for revision in ("v1.0.0", "refs%2Ftags%2Fv1.0.0", mirror["first"]):
        assert request(f"{served.url}/api/kernels/org/relu/revision/{revision}").json()["sha"] == mirror["first"]
    assert request(f"{served.url}/api/kernels/org/relu/revision/refs%2Fheads%2Fv1").json()["sha"] == mirror["second"]
    model = request(f"{served.url}/api/models/org/model/revision/main?blobs=true").json()
    assert model["sha"] == mirror["model"]
    assert {s["rfilename"] for s in model["siblings"]} == set(mirror["model_files"])
    assert all("blobId" in s and "size" in s for s in model["siblings"])


def tree_pages(url: str) -> tuple[list, int]:
    entries, pages = [], 0
    while url:
        reply = request(url)
        assert reply.status == 200, reply.body
        entries += reply.json()
        pages += 1
        link = reply.headers.get("Link")
        url = link[link.index("<") + 1 : link.index(">")] if link else None
        if link:
            assert link.endswith('rel="next"') and url.startswith("http://")
    return entries, pages


def test_tree_is_recursive_paginated_and_matches_the_files(mirror, serve):
    served = serve(mirror["dir"], "--tree-page-size", "3")
    entries, pages = tree_pages(f"{served.url}/api/kernels/org/relu/tree/{mirror['second']}?recursive=true&expand=false")
    assert pages == (len(entries) + 2) // 3 and pages > 1
    files = {e["path"]: e for e in entries if e["type"] == "file"}
    folders = {e["path"] for e in entries if e["type"] == "directory"}
    assert set(files) == set(mirror["files"])
    assert {"build", f"build/{VARIANT}", f"build/{VARIANT}/relu", "subfolder", "subfolder/to?"} <= folders
    for path, data in mirror["files"].items():
        entry = files[path]
        assert entry["size"] == len(data)
        if path.endswith(".so") or len(data) > 10 * 1024 * 1024:
            assert entry["lfs"]["oid"] == sha256(data) and entry["lfs"]["size"] == len(data)
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256(data)}\nsize {len(data)}\n".encode()
            assert entry["oid"] == git_blob_id(pointer) and entry["lfs"]["pointerSize"] == len(pointer)
        else:
            assert "lfs" not in entry and entry["oid"] == git_blob_id(data)
    assert all(len(e["oid"]) == 40 for e in entries)


def test_tree_of_a_folder_lists_its_children(mirror, serve):
    served = serve(mirror["dir"])
    reply = request(f"{served.url}/api/kernels/org/relu/tree/refs%2Fheads%2Fv1/build?recursive=false&expand=false")
    assert [(e["type"], e["path"]) for e in reply.json()] == [
        ("directory", f"build/{CPU_VARIANT}"), ("directory", f"build/{VARIANT}")]
    encoded = request(f"{served.url}/api/kernels/org/relu/tree/v1/build%2F{VARIANT}?recursive=true").json()
    assert {e["path"] for e in encoded} == {f"build/{VARIANT}/{p}" for p in
                                            ("metadata.json", "relu", "relu/__init__.py", "relu/_relu_abc.abi3.so")}
    expanded = request(f"{served.url}/api/kernels/org/relu/tree/main?expand=true").json()
    readme = next(e for e in expanded if e["path"] == "README.md")
    build = next(e for e in expanded if e["path"] == "build")
    assert readme["lastCommit"]["id"] == mirror["second"]  # changed by the second build
    assert build["lastCommit"]["id"] == mirror["first"]  # unchanged since the first
    assert readme["securityFileStatus"]["status"] == "safe"


def test_resolve_regular_file_head_and_get(mirror, serve):
    served = serve(mirror["dir"])
    path = f"build/{VARIANT}/metadata.json"
    data = mirror["files"][path]
    url = f"{served.url}/kernels/org/relu/resolve/main/{path}"
    head = request(url, "HEAD", {"Accept-Encoding": "identity"})
    assert head.status == 200 and head.body == b""
    assert head.headers["ETag"] == f'"{git_blob_id(data)}"'
    assert head.headers["X-Repo-Commit"] == mirror["second"]
    assert int(head.headers["Content-Length"]) == len(data)
    assert head.headers["Accept-Ranges"] == "bytes"
    get = request(url, "GET", {"Accept-Encoding": "gzip"})
    assert get.status == 200 and get.body == data and "Content-Encoding" not in get.headers
    assert git_blob_id(get.body) == get.headers["ETag"].strip('"')


@pytest.mark.parametrize("path", [f"build/{VARIANT}/relu/_relu_abc.abi3.so", f"build/{CPU_VARIANT}/relu/weights.bin"])
def test_resolve_lfs_file_redirects_to_the_cdn(mirror, serve, path):
    served = serve(mirror["dir"])
    data = mirror["files"][path]
    url = f"{served.url}/kernels/org/relu/resolve/v1.1.0/{path}"
    head = request(url, "HEAD", {"Authorization": "Bearer hf_secret"})
    assert head.status == 302
    assert head.headers["X-Linked-Etag"] == f'"{sha256(data)}"'
    assert int(head.headers["X-Linked-Size"]) == len(data)
    assert head.headers["X-Repo-Commit"] == mirror["second"]
    location = urllib.parse.urlsplit(head.headers["Location"])
    # Another host name for the same loopback listener: clients treat it as a foreign host (no
    # token; huggingface_hub does not follow it on HEAD and reads the metadata from the 302).
    assert location.scheme == "http" and location.hostname == "localhost"
    assert location.port != urllib.parse.urlsplit(served.url).port
    assert request(url, "GET").status == 302
    cdn = request(head.headers["Location"])  # no Authorization, as a client sends it
    assert cdn.status == 200 and int(cdn.headers["Content-Length"]) == len(data)
    assert sha256(cdn.body) == sha256(data)
    assert cdn.headers["ETag"] == f'"{sha256(data)}"'


def test_range_requests_on_files_and_the_cdn(mirror, serve):
    served = serve(mirror["dir"])
    data = mirror["files"]["README.md"]
    url = f"{served.url}/kernels/org/relu/resolve/main/README.md"
    tail = request(url, headers={"Range": "bytes=3-"})
    assert tail.status == 206 and tail.body == data[3:]
    assert tail.headers["Content-Range"] == f"bytes 3-{len(data) - 1}/{len(data)}"
    middle = request(url, headers={"Range": "bytes=2-5"})
    assert middle.status == 206 and middle.body == data[2:6]
    assert request(url, headers={"Range": f"bytes={len(data)}-"}).status == 416
    beyond = request(url, headers={"Range": "bytes=1000-2000"})
    assert beyond.status == 416 and beyond.headers["Content-Range"] == f"bytes */{len(data)}"
    big = mirror["files"][f"build/{CPU_VARIANT}/relu/weights.bin"]
    location = request(f"{served.url}/kernels/org/relu/resolve/main/build/{CPU_VARIANT}/relu/weights.bin",
                       "HEAD").headers["Location"]
    resumed = request(location, headers={"Range": "bytes=10485760-"})
    assert resumed.status == 206 and resumed.body == big[10485760:]
    assert resumed.headers["Content-Range"] == f"bytes 10485760-{len(big) - 1}/{len(big)}"


def test_revisions_as_branch_tag_full_ref_and_commit(mirror, serve):
    served = serve(mirror["dir"])
    expected = {"main": mirror["second"], "v1": mirror["second"], "v1.0.0": mirror["first"],
                "refs%2Fheads%2Fv1": mirror["second"], "refs%2Ftags%2Fv1.0.0": mirror["first"],
                "refs%2Fheads%2Fmain": mirror["second"], mirror["first"]: mirror["first"]}
    for revision, commit in expected.items():
        reply = request(f"{served.url}/kernels/org/relu/resolve/{revision}/README.md", "HEAD")
        assert reply.status == 200, revision
        assert reply.headers["X-Repo-Commit"] == commit, revision
    first_readme = request(f"{served.url}/kernels/org/relu/resolve/v1.0.0/README.md").body
    assert first_readme == mirror["first_files"]["README.md"]


def test_awkward_file_names_are_percent_decoded(mirror, serve):
    served = serve(mirror["dir"])
    reply = request(f"{served.url}/kernels/org/relu/resolve/main/{urllib.parse.quote(AWFUL)}")
    assert reply.status == 200 and reply.body == b"awful\n"


def test_errors_carry_the_hub_error_codes(mirror, serve):
    served = serve(mirror["dir"])
    cases = [
        ("/api/kernels/org/missing/refs", 404, "RepoNotFound"),
        ("/api/models/org/relu", 404, "RepoNotFound"),  # a kernel repo is not a model repo
        ("/api/kernels/../relu/refs", 404, "RepoNotFound"),
        ("/kernels/org/missing/resolve/main/README.md", 404, "RepoNotFound"),
        ("/api/kernels/org/relu/revision/v99", 404, "RevisionNotFound"),
        ("/api/kernels/org/relu/tree/v99?recursive=true", 404, "RevisionNotFound"),
        ("/kernels/org/relu/resolve/refs%2Fheads%2Fv2/README.md", 404, "RevisionNotFound"),
        ("/kernels/org/relu/resolve/main/kernel-status.toml", 404, "EntryNotFound"),
        ("/kernels/org/relu/resolve/main/build", 404, "EntryNotFound"),
        ("/api/kernels/org/relu/tree/main/nope", 404, "EntryNotFound"),
    ]
    for path, status, code in cases:
        for method in ("GET", "HEAD"):
            reply = request(served.url + path, method)
            assert reply.status == status, (path, method)
            assert reply.headers["X-Error-Code"] == code, path
            assert reply.headers["X-Error-Message"], path
    missing = request(f"{served.url}/kernels/org/relu/resolve/main/kernel-status.toml", "HEAD")
    assert missing.headers["X-Repo-Commit"] == mirror["second"]
    assert request(f"{served.url}/api/kernels/org/relu/revision/v99").json() == {"error": "Invalid rev id: v99"}
    assert request(f"{served.url}/kernels/org/relu/resolve/main/%2E%2E%2Fmirror.json").status == 404
    assert request(f"{served.url}/no/such/route/here").status == 404


def test_model_repos_resolve_at_the_root(mirror, serve):
    served = serve(mirror["dir"])
    reply = request(f"{served.url}/org/model/resolve/main/config.json")
    assert reply.status == 200 and reply.body == mirror["model_files"]["config.json"]
    assert request(f"{served.url}/kernels/org/model/resolve/main/config.json").status == 404


def test_organization_overview(mirror, serve):
    served = serve(mirror["dir"])
    overview = request(f"{served.url}/api/organizations/org/overview")
    assert overview.status == 200
    assert overview.json()["trustedKernelPublisher"] is True
    assert request(f"{served.url}/api/organizations/nobody/overview").status == 404


def test_private_repos_need_the_token(mirror, serve):
    served = serve(mirror["dir"], "--require-token", "hf_test")
    url = f"{served.url}/api/kernels/org/secret/refs"
    hidden = request(url)
    assert hidden.status == 401 and hidden.headers["X-Error-Code"] == "RepoNotFound"
    assert request(url, headers={"Authorization": "Bearer hf_test"}).status == 200
    wrong = request(url, headers={"Authorization": "Bearer hf_wrong"})
    assert wrong.status == 401 and wrong.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
    assert request(f"{served.url}/api/kernels/org/relu/refs").status == 200  # public without token


