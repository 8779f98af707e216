"""`kernels mirror add` and `kernels serve`: the mirror directory and the Hub protocol served over it.

Every route of reference/hub-api.md section 11 is checked with plain HTTP (http.client, so that
redirects, HEAD and Range are seen as they are), then, when huggingface_hub is installed, with the
real Python client.
"""

import base64
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path

import pytest

DATE = "1767225600"  # 2026-01-01T00:00:00Z
VARIANT = "torch28-cxx11-cu128-x86_64-linux"
CPU_VARIANT = "torch28-cxx11-cpu-x86_64-linux"
AWFUL = "subfolder/to?/awful?filename%you:should,never.give"  # hub-api.md 1.3 test vector
ELF = b"\x7fELF" + bytes(1020)
BIG_SIZE = 10 * 1024 * 1024 + 17  # past the 10 MiB LFS threshold


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(root: Path, relative: str, data: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def make_build(root: Path, readme: bytes = b"# relu\n") -> dict:
    files = {
        "README.md": readme,
        f"build/{VARIANT}/metadata.json": b'{\n  "version": 1,\n  "python-depends": []\n}\n',
        f"build/{VARIANT}/relu/__init__.py": b"from ._ops import ops\n",
        f"build/{VARIANT}/relu/_relu_abc.abi3.so": ELF,
        f"build/{CPU_VARIANT}/metadata.json": b'{"version": 1}\n',
        f"build/{CPU_VARIANT}/relu/weights.bin": bytes(range(256)) * (BIG_SIZE // 256) + b"x" * (BIG_SIZE % 256),
        AWFUL: b"awful\n",
    }
    for relative, data in files.items():
        write(root, relative, data)
    return files


class Reply:
    def __init__(self, response: http.client.HTTPResponse, body: bytes):
        self.status = response.status
        self.headers = response.headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def request(url: str, method: str = "GET", headers: dict | None = None) -> Reply:
    """One request, no redirect following, the body read in full."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, headers=headers or {})
        response = connection.getresponse()
        return Reply(response, response.read())
    finally:
        connection.close()


class Served:
    """A running `kernels serve` process; stopped (and checked to exit 0) by the fixture."""

    def __init__(self, process: subprocess.Popen, url: str):
        self.process = process
        self.url = url

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(directory: Path, *args: str) -> Served:
        process = subprocess.Popen(
            [os.environ["KERNELS_BIN"], "serve", str(directory), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        served = Served(process, "")
        started.append(served)
        line = process.stdout.readline().strip()
        assert line.startswith("http://127.0.0.1:"), process.stderr.read() if not line else line
        served.url = line
        return served

    yield start
    for served in started:
        assert served.stop() == 0, served.process.stderr.read()


@pytest.fixture
def mirror(kernels, tmp_path):
    """A mirror with kernel repo org/relu (two commits, tags v1.0.0 and v1.1.0, branch v1), a
    model repo org/model, and a private kernel repo org/secret."""
    directory = tmp_path / "mirror"
    env = {"SOURCE_DATE_EPOCH": DATE}
    first_files = make_build(tmp_path / "build1")
    first = kernels("mirror", "add", str(tmp_path / "build1"), "--repo", "org/relu", "--tag", "v1.0.0",
                    "--branch", "v1", "--mirror", str(directory), "--trusted-publisher", env=env)
    assert first.returncode == 0, first.stderr
    second_files = make_build(tmp_path / "build2", readme=b"# relu, second build\n")
    second = kernels("mirror", "add", str(tmp_path / "build2"), "--repo", "org/relu", "--tag", "v1.1.0",
                     "--branch", "v1", "--mirror", str(directory), "--json", env=env)
    assert second.returncode == 0, second.stderr
    model_files = {"config.json": b'{"hidden_size": 8}\n', "model.safetensors": b"\0" * 64}
    for relative, data in model_files.items():
        write(tmp_path / "model", relative, data)
    model = kernels("mirror", "add", str(tmp_path / "model"), "--repo", "org/model", "--type", "model",
                    "--mirror", str(directory), env=env)
    assert model.returncode == 0, model.stderr
    secret = kernels("mirror", "add", str(tmp_path / "build1"), "--repo", "org/secret", "--private",
                     "--mirror", str(directory), env=env)
    assert secret.returncode == 0, secret.stderr
    return {
        "dir": directory,
        "first": first.stdout.strip(),
        "second": json.loads(second.stdout)["commit"],
        "files": second_files,
        "first_files": first_files,
        "model_files": model_files,
        "model": model.stdout.strip(),
    }


# --- mirror add ---------------------------------------------------------------------------------


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


# --- serve: routes ------------------------------------------------------------------------------


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
    assert location.scheme == "http" and location.hostname == "127.0.0.1"
    assert location.port != urllib.parse.urlsplit(served.url).port  # another origin: no token sent
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


# --- serve: process and fault injection ---------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_on_a_signal(mirror, serve, sig):
    served = serve(mirror["dir"], "-v")
    assert request(f"{served.url}/api/kernels/org/relu/refs").status == 200
    assert served.stop(sig) == 0
    assert "GET /api/kernels/org/relu/refs 200" in served.process.stderr.read()


def test_serve_refuses_a_folder_that_is_not_a_mirror(kernels, tmp_path):
    result = kernels("serve", str(tmp_path))
    assert result.returncode == 6
    assert "mirror.json" in result.stderr


def test_error_rate_one_fails_every_request(mirror, serve):
    served = serve(mirror["dir"], "--error-rate", "1")
    for path in ("/api/kernels/org/relu/refs", "/kernels/org/relu/resolve/main/README.md"):
        assert request(served.url + path).status == 500


def test_rate_limit_answers_429_with_retry_after(mirror, serve):
    served = serve(mirror["dir"], "--rate-limit-rate", "1")
    reply = request(f"{served.url}/api/kernels/org/relu/refs")
    assert reply.status == 429 and reply.headers["Retry-After"] == "1"


def test_truncate_announces_the_full_length_and_sends_less(mirror, serve):
    served = serve(mirror["dir"], "--truncate-rate", "1")
    with pytest.raises(http.client.IncompleteRead) as error:
        request(f"{served.url}/kernels/org/relu/resolve/main/build/{VARIANT}/metadata.json")
    assert len(error.value.partial) < len(mirror["files"][f"build/{VARIANT}/metadata.json"])


def test_drop_closes_the_connection_without_a_response(mirror, serve):
    served = serve(mirror["dir"], "--drop-rate", "1")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        request(f"{served.url}/api/kernels/org/relu/refs")


def test_faults_are_deterministic_for_a_seed(mirror, serve):
    runs = []
    for _ in range(2):
        served = serve(mirror["dir"], "--error-rate", "0.3", "--rate-limit-rate", "0.2", "--seed", "42")
        runs.append([request(f"{served.url}/api/kernels/org/relu/refs").status for _ in range(30)])
        served.stop()
    assert runs[0] == runs[1]
    assert {200, 429, 500} <= set(runs[0])


def test_latency_delays_every_request(mirror, serve):
    served = serve(mirror["dir"], "--latency-ms", "300")
    start = time.monotonic()
    assert request(f"{served.url}/api/kernels/org/relu/refs").status == 200
    assert time.monotonic() - start >= 0.3


def test_fault_rates_above_one_are_a_usage_error(kernels, mirror):
    result = kernels("serve", str(mirror["dir"]), "--error-rate", "0.6", "--drop-rate", "0.6")
    assert result.returncode == 2
    assert "add up to more than 1" in result.stderr


# --- the real client ----------------------------------------------------------------------------

HF_PROBE = textwrap.dedent("""
    import json, sys
    from huggingface_hub import HfApi, hf_hub_download, snapshot_download
    from huggingface_hub.errors import EntryNotFoundError, RevisionNotFoundError
    endpoint, cache, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    api = HfApi(endpoint=endpoint)
    out = {}
    repo, repo_type, name = ("org/relu", "kernel", "build/%s/relu/_relu_abc.abi3.so" % sys.argv[4]) \\
        if kind == "kernel" else ("org/model", "model", "model.safetensors")
    refs = api.list_repo_refs(repo, repo_type=repo_type)
    out["branches"] = sorted(b.name for b in refs.branches)
    out["tags"] = sorted(t.name for t in refs.tags)
    tree = api.list_repo_tree(repo, repo_type=repo_type, recursive=True)
    out["files"] = sorted(e.path for e in tree if hasattr(e, "blob_id"))
    out["lfs"] = sorted(e.path for e in tree if getattr(e, "lfs", None))
    out["sha"] = api.repo_info(repo, repo_type=repo_type, revision="v1").sha if kind == "kernel" else None
    path = hf_hub_download(repo, name, repo_type=repo_type, cache_dir=cache, endpoint=endpoint)
    out["download"] = path
    try:
        hf_hub_download(repo, "kernel-status.toml", repo_type=repo_type, cache_dir=cache, endpoint=endpoint)
        out["missing"] = "found"
    except EntryNotFoundError:
        out["missing"] = "EntryNotFound"
    try:
        api.list_repo_tree(repo, repo_type=repo_type, revision="v99")
        list(api.list_repo_tree(repo, repo_type=repo_type, revision="v99"))
        out["bad_revision"] = "found"
    except RevisionNotFoundError:
        out["bad_revision"] = "RevisionNotFound"
    out["snapshot"] = snapshot_download(repo, repo_type=repo_type, cache_dir=cache, endpoint=endpoint)
    print(json.dumps(out))
""")


@pytest.mark.parametrize("kind", ["model", "kernel"])
def test_huggingface_hub_client_works_against_the_mirror(mirror, serve, tmp_path, kind):
    huggingface_hub = pytest.importorskip("huggingface_hub")
    from huggingface_hub import constants

    if kind == "kernel" and "kernel" not in getattr(constants, "REPO_TYPES_WITH_KERNEL", []):
        pytest.skip(f"huggingface_hub {huggingface_hub.__version__} has no kernel repo type")
    served = serve(mirror["dir"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update({"HF_ENDPOINT": served.url, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_DISABLE_TELEMETRY": "1"})
    cache = tmp_path / "cache"
    result = subprocess.run([sys.executable, "-c", HF_PROBE, served.url, str(cache), kind, VARIANT],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    if kind == "kernel":
        assert out["branches"] == ["main", "v1"] and out["tags"] == ["v1.0.0", "v1.1.0"]
        assert out["sha"] == mirror["second"]
        assert set(out["files"]) == set(mirror["files"])
        assert Path(out["download"]).read_bytes() == ELF
        snapshot = Path(out["snapshot"])
        assert snapshot.name == mirror["second"]
        for relative, data in mirror["files"].items():
            assert (snapshot / relative).read_bytes() == data, relative
    else:
        assert out["branches"] == ["main"]
        assert set(out["files"]) == set(mirror["model_files"])
        assert Path(out["download"]).read_bytes() == mirror["model_files"]["model.safetensors"]
        assert Path(out["snapshot"]).name == mirror["model"]
    assert out["missing"] == "EntryNotFound"
    assert out["bad_revision"] == "RevisionNotFound"
