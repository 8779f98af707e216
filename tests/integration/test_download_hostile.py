"""`kernels download` against a hostile Hub (hostile_hub.py) that lists the files as the Hub does
and is hostile where the bytes come from (the /resolve/ requests) or in its tree listing, and with
links planted in the cache.

A hostile answer must make `kernels download` fail with the documented exit code (4: bytes that
are not what the listing and the lock promise, or a link planted in the cache; 1: an unsafe tree
entry), with one error line that names the file or the link, and in every case write nothing
outside the cache and leave nothing unverified under snapshots/. The token goes to the endpoint
only.
"""

import gzip
import json
import os
import time
from pathlib import Path

import pytest

from hostile_hub import COMMIT, FILES, file_headers, file_path, git_blob_id, hubs, tree_entries  # noqa: F401
from lock_fixtures import project

VARIANT = "torch-cpu"
TARGET = f"build/{VARIANT}/__init__.py"  # the file the hostile answers are about
TARGET_BLOB = git_blob_id(FILES[TARGET])
TOKEN = "hf_hostileDownloadMarker0123456789"
PRECIOUS = b"a file outside the cache, longer than any file of the listing " * 4


class Downloads:
    """A project locked against `hub`, a cache, and a folder outside the cache (`elsewhere`) that
    planted links point into."""

    def __init__(self, kernels, tmp_path: Path, hub, lock_format=()):
        self.kernels = kernels
        self.tmp_path = tmp_path
        self.hub = hub
        self.cache = tmp_path / "cache"
        self.folder = self.cache / "kernels--org--x"
        self.snapshot = self.folder / "snapshots" / COMMIT
        self.elsewhere = tmp_path / "elsewhere"
        self.elsewhere.mkdir()
        (self.elsewhere / "precious").write_bytes(PRECIOUS)
        (self.elsewhere / "markers").mkdir()
        (self.elsewhere / "markers" / f"{VARIANT}.json").write_text("{}")  # a file named as a marker
        self.project = project(tmp_path / "proj", '"org/x" = 1\n')
        result = self.run("lock", *lock_format)
        assert result.returncode == 0, result.stderr
        hub.seen.clear()  # from here on, the download's requests
        self.outside = self.outside_the_cache()

    def run(self, *args, env=None):
        environment = {"KERNELS_CACHE": str(self.cache), "HF_TOKEN": TOKEN, **(env or {})}
        return self.kernels("--endpoint", self.hub.url, "--project", str(self.project), *args,
                            env=environment)

    def download(self):
        return self.run("download", "--all-variants")

    def outside_the_cache(self) -> dict:
        """Every path under the test's folder but the cache, with its content or link target."""
        seen = {}
        for root, folders, files in os.walk(self.tmp_path):
            if Path(root) == self.tmp_path and "cache" in folders:
                folders.remove("cache")
            for name in folders + files:
                path = Path(root) / name
                if path.is_symlink():
                    seen[str(path)] = ("link", os.readlink(path))
                elif path.is_file():
                    seen[str(path)] = ("file", path.read_bytes())
                else:
                    seen[str(path)] = ("folder", None)
        return seen

    def plant(self, link: Path, target: Path):
        """Replaces `link` (whatever is there) by a symbolic link to `target`."""
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            for root, folders, files in os.walk(link, topdown=False):
                for name in files:
                    os.unlink(os.path.join(root, name))
                for name in folders:
                    os.rmdir(os.path.join(root, name))
            link.rmdir()
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, link)

    def check_nothing_outside_and_nothing_unverified(self, planted=()):
        assert self.outside_the_cache() == self.outside
        assert (self.elsewhere / "precious").read_bytes() == PRECIOUS
        snapshots = self.folder / "snapshots"
        if snapshots.is_symlink():
            assert snapshots in planted
            return
        for root, folders, files in os.walk(snapshots):
            for name in folders + files:
                path = Path(root) / name
                if path in planted:
                    continue
                if path.is_dir() and not path.is_symlink():
                    continue
                relative = str(path.relative_to(self.snapshot))
                # Whatever is visible has the listed bytes (git blob ids: the bytes themselves).
                assert relative in FILES, path
                assert path.read_bytes() == FILES[relative], path


def assert_error(result, code, *names):
    assert result.returncode == code, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("kernels: error: ")]
    assert len(errors) == 1 and result.stderr.rstrip().endswith(errors[0]), result.stderr
    for name in names:
        assert name in errors[0], errors[0]
    assert not any(ord(c) < 0x20 and c != "\n" for c in result.stderr), repr(result.stderr)


def assert_verified(setup, result):
    assert result.returncode == 0, result.stderr
    for path, data in FILES.items():
        if path.startswith(f"build/{VARIANT}/"):
            link = setup.snapshot / path
            assert link.is_symlink() and link.read_bytes() == data, path
    blobs = setup.folder / "blobs"
    assert not list(blobs.glob("*.incomplete"))
    assert all(blob.is_file() and not blob.is_symlink() for blob in blobs.iterdir())
    setup.check_nothing_outside_and_nothing_unverified()


def test_the_hostile_hub_serves_a_download_until_told_otherwise(kernels, hubs, tmp_path):
    """The control: the fake Hub lists and serves the files well enough for a download, so that
    the failures below come from the hostile answers and not from the fake."""
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)
    assert_verified(setup, setup.download())
    files = [seen for seen in hub.seen if "/resolve/" in seen.path and "kernel-status" not in seen.path]
    assert files and all(seen.headers.get("authorization") == f"Bearer {TOKEN}" for seen in files)


# Hostile answers to the resolve request of TARGET; the other files are served well.

def for_target(answer):
    def dispatch(handler):
        if file_path(handler) == TARGET:
            return answer(handler)
        data = FILES[file_path(handler)]
        return handler.reply(200, data, file_headers(data))
    return dispatch


def longer_than_listed(handler):
    """Content-Length and body agree, and both are longer than the listing's size."""
    handler.reply(200, FILES[TARGET] + b"\0" * (1 << 20), file_headers(FILES[TARGET]))


def endless_chunked(handler):
    handler.reply(200, b"", {**file_headers(FILES[TARGET]), "Transfer-Encoding": "chunked"})
    data = FILES[TARGET] + b"\0" * 65536
    # Bounded, so that a client without a cap fails the test instead of hanging it.
    while handler.hub.stats.body_bytes_sent < 1 << 30 and handler.write_body(b"%x\r\n%s\r\n" % (len(data), data)):
        data = b"\0" * 65536
    handler.close_connection = True


BOMB = gzip.compress(b"\0" * (64 << 20), compresslevel=9)  # 64 MiB of zeros in about 64 KiB


def gzip_bomb(handler):
    """Content-Encoding the client did not ask for: the bytes are what is hashed, not what they
    would inflate to."""
    handler.reply(200, BOMB, {**file_headers(FILES[TARGET]), "Content-Encoding": "gzip"})


def same_size_other_bytes(handler):
    data = bytearray(FILES[TARGET])
    data[0] ^= 1
    handler.reply(200, bytes(data), file_headers(FILES[TARGET]))


SIZE = len(FILES[TARGET])
TOO_LONG = [f"org/x variant {VARIANT}: the server sent more than the {SIZE} bytes the listing gives for {TARGET}",
            "nothing of it was published"]
TRANSFER_CASES = {
    # id: (answer, what the error line names)
    "body-longer-than-listed": (longer_than_listed, TOO_LONG),
    "body-endless-chunked": (endless_chunked, TOO_LONG),
    "gzip-bomb": (gzip_bomb, TOO_LONG),
    "same-size-other-bytes": (same_size_other_bytes, [f"org/x variant {VARIANT}: {TARGET}", f"expected {TARGET_BLOB}",
                                                      "nothing of it was published"]),
}


@pytest.mark.parametrize("case", TRANSFER_CASES.keys())
def test_hostile_file_bytes_fail_the_download_and_publish_nothing(kernels, hubs, tmp_path, case):
    answer, names = TRANSFER_CASES[case]
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)
    hub.answers["file"] = for_target(answer)
    result = setup.download()
    assert_error(result, 4, *names)
    assert not (setup.snapshot / TARGET).exists()
    assert not (setup.folder / "blobs" / TARGET_BLOB).exists()
    assert not (setup.folder / "kernels-verified" / COMMIT / f"{VARIANT}.json").exists()
    setup.check_nothing_outside_and_nothing_unverified()
    # The client asked for the bytes as they are; what was compressed stays compressed.
    asked = [seen for seen in hub.seen if seen.path.endswith(TARGET)]
    assert asked and all("accept-encoding" not in seen.headers for seen in asked)

    # The server mends its ways: the next download completes and verifies.
    hub.answers["file"] = for_target(lambda handler: handler.reply(200, FILES[TARGET], file_headers(FILES[TARGET])))
    assert_verified(setup, setup.download())


def test_the_client_stops_reading_an_endless_body_at_the_listed_size(kernels, hubs, tmp_path):
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)
    hub.answers["file"] = for_target(endless_chunked)
    hub.stats.body_bytes_sent = 0
    assert setup.download().returncode == 4
    assert hub.stats.client_went_away
    # What the server got rid of: the first chunk, plus what the sockets' buffers held.
    assert hub.stats.body_bytes_sent < 32 << 20


def test_bytes_after_the_content_length_are_not_part_of_the_file(kernels, hubs, tmp_path):
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)

    def smuggler(handler):
        handler.reply(200, FILES[TARGET], file_headers(FILES[TARGET]))
        handler.write_body(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!" + b"\0" * 65536)
        handler.close_connection = True

    hub.answers["file"] = for_target(smuggler)
    assert_verified(setup, setup.download())


def test_a_server_that_trickles_the_bytes_still_gives_a_verified_file(kernels, hubs, tmp_path):
    """One byte per write, 20 ms apart: above the stall limit (HttpSettings: 1 byte/s for 30 s, not
    configurable), so the download waits for all of them and verifies what arrived."""
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)
    writes = []

    def trickle(handler):
        data = FILES[TARGET]
        handler.reply(200, b"", {**file_headers(data), "Content-Length": str(len(data))})
        for byte in data:
            time.sleep(0.02)
            writes.append(handler.write_body(bytes([byte])))

    hub.answers["file"] = for_target(trickle)
    assert_verified(setup, setup.download())
    assert writes == [True] * SIZE


@pytest.mark.parametrize("foreign_bytes", ["good", "other"])
def test_a_redirect_to_another_host_gets_the_file_without_the_token(kernels, hubs, tmp_path, foreign_bytes):
    hub, foreign = hubs(), hubs()
    setup = Downloads(kernels, tmp_path, hub)
    # Another origin (localhost, another port), as the Hub's redirect of an LFS file to its CDN.
    hub.answers["file"] = lambda handler: handler.reply(302, b"", {
        "Location": f"http://localhost:{foreign.port}{handler.path}?X-Amz-Signature=sig-SECRET"})
    if foreign_bytes == "other":
        foreign.answers["file"] = for_target(same_size_other_bytes)
    result = setup.download()
    if foreign_bytes == "good":
        assert_verified(setup, result)
    else:
        assert_error(result, 4, f"{TARGET}", f"expected {TARGET_BLOB}")
        setup.check_nothing_outside_and_nothing_unverified()
    resolves = [seen for seen in hub.seen if "/resolve/" in seen.path and "kernel-status" not in seen.path]
    assert resolves and all(seen.headers.get("authorization") == f"Bearer {TOKEN}" for seen in resolves)
    assert {file_path(seen) for seen in foreign.seen} >= {TARGET}
    assert foreign.authorizations() == [None] * len(foreign.seen)
    output = result.stdout + result.stderr
    assert TOKEN not in output and "SECRET" not in output


# Tree entries the download must refuse before it writes a file: the listing is the download's own
# (both lock formats list the tree again; the commits format has nothing else to go by).

def tree_with_path(path):
    entry = {"type": "file", "oid": "0" * 40, "size": 1, "path": path}
    return lambda handler: handler.reply_json(tree_entries() + [entry])


TREE_CASES = {
    "dotdot": ("build/torch-cpu/../../../../elsewhere/evil.py", ["'build/torch-cpu/../../../../elsewhere/evil.py'"]),
    "absolute": ("/etc/passwd", ["'/etc/passwd'", "absolute"]),
    "backslash": ("build\\torch-cpu\\evil.py", [r"'build\x5ctorch-cpu\x5cevil.py'", "backslash"]),
    "nul": ("build/torch-cpu/a\x00b.py", [r"'build/torch-cpu/a\x00b.py'", "NUL"]),
}


# The commits format locks a repo whose publisher the fake Hub cannot vouch for only if told to.
@pytest.mark.parametrize("lock_format", [(), ("--format", "commits", "--trust-remote-code")],
                         ids=["variants", "commits"])
@pytest.mark.parametrize("case", TREE_CASES.keys())
def test_an_unsafe_tree_entry_fails_the_download_before_any_file(kernels, hubs, tmp_path, case, lock_format):
    path, names = TREE_CASES[case]
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub, lock_format)
    hub.answers["tree"] = tree_with_path(path)
    result = setup.download()
    assert_error(result, 1, "refusing tree entry", "from org/x", *names)
    assert not any("/resolve/" in seen.path and "kernel-status" not in seen.path for seen in hub.seen)
    assert not (setup.folder / "snapshots").exists()
    setup.check_nothing_outside_and_nothing_unverified()


# Links planted in the cache: each would take a write (or a created file) outside the cache.

def planted_links(setup):
    lock_folder = setup.cache / ".locks" / "kernels--org--x"
    return {
        "repo-folder": (setup.folder, setup.elsewhere),
        "blobs-folder": (setup.folder / "blobs", setup.elsewhere),
        "snapshot-folder": (setup.snapshot, setup.elsewhere),
        "variant-folder": (setup.snapshot / "build" / VARIANT, setup.elsewhere),
        "incomplete-file": (setup.folder / "blobs" / f"{TARGET_BLOB}.incomplete", setup.elsewhere / "precious"),
        "incomplete-file-dangling": (setup.folder / "blobs" / f"{TARGET_BLOB}.incomplete", setup.elsewhere / "new"),
        "lock-folder": (lock_folder, setup.elsewhere),
        "lock-file": (lock_folder / f"{TARGET_BLOB}.lock", setup.elsewhere / "new.lock"),
        "marker-folder": (setup.folder / "kernels-verified" / COMMIT, setup.elsewhere / "markers"),
    }


@pytest.mark.parametrize("case", ["repo-folder", "blobs-folder", "snapshot-folder", "variant-folder",
                                  "incomplete-file", "incomplete-file-dangling", "lock-folder", "lock-file",
                                  "marker-folder"])
def test_a_link_planted_in_the_cache_is_refused(kernels, hubs, tmp_path, case):
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)
    link, target = planted_links(setup)[case]
    setup.plant(link, target)
    setup.outside = setup.outside_the_cache()
    result = setup.download()
    assert_error(result, 4, "refusing to write through a symbolic link in the cache", str(link))
    assert link.is_symlink() and os.readlink(link) == str(target)  # left for the user to look at
    setup.check_nothing_outside_and_nothing_unverified(planted={link})

    link.unlink()
    assert_verified(setup, setup.download())


@pytest.mark.parametrize("target", ["copy", "precious"])
def test_a_blob_planted_as_a_link_is_replaced_by_the_verified_file(kernels, hubs, tmp_path, target):
    """Removing a link in blobs/ loses nothing, as removing a blob with wrong bytes does: the
    download fetches the blob again, and the link's target is left as it was."""
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)
    (setup.elsewhere / "copy").write_bytes(FILES[TARGET])  # the right bytes, but outside the cache
    setup.plant(setup.folder / "blobs" / TARGET_BLOB, setup.elsewhere / target)
    setup.outside = setup.outside_the_cache()
    assert_verified(setup, setup.download())
    assert (setup.elsewhere / "copy").read_bytes() == FILES[TARGET]
    assert json.loads((setup.folder / "kernels-verified" / COMMIT / f"{VARIANT}.json").read_text())


def echo_the_token(handler):
    said = f"token {handler.headers.get('Authorization')} may not read {file_path(handler)}"
    handler.reply_json({"error": said}, 403, {"X-Error-Message": said})


def test_a_server_that_echoes_the_token_in_a_file_error_does_not_get_it_printed(kernels, hubs, tmp_path):
    hub = hubs()
    setup = Downloads(kernels, tmp_path, hub)
    hub.answers["file"] = for_target(echo_the_token)
    result = setup.download()
    assert_error(result, 1, TARGET, "<token>")
    assert TOKEN not in result.stdout + result.stderr
    setup.check_nothing_outside_and_nothing_unverified()
