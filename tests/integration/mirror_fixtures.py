"""Helpers and fixtures for tests that need a mirror and a running `kernels serve`.

Test modules import the fixtures they use (`from mirror_fixtures import mirror, serve`):
`mirror` fills a mirror directory with `kernels mirror add`, `serve` starts `kernels serve` on it
and stops it (checking it exits 0) at the end of the test. `request` makes one HTTP request
without following redirects, so that HEAD, 302 and Range are seen as they are.
"""

import hashlib
import http.client
import json
import os
import signal
import subprocess
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
