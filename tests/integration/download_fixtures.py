"""A mirror, a locked project and helpers for the `kernels download` tests."""

import json
import os
import re
from pathlib import Path

import pytest
from lock_fixtures import VARIANTS, make_kernel_build, project
from mirror_fixtures import DATE, write

BIG = 3 * 1024 * 1024 + 5  # several chunks: truncation and resumption land inside it


def big_bytes(label: str) -> bytes:
    return (label.encode() * (BIG // len(label) + 1))[:BIG]


def add_repo(kernels, tmp_path: Path, mirror_dir: Path, repo: str, label: str) -> dict:
    build = tmp_path / f"build-{repo.replace('/', '-')}-{label}"
    files = make_kernel_build(build, repo.split("/")[1], label)
    big = f"build/{VARIANTS[0]}/weights-{label}.so"
    files[big] = big_bytes(label)
    write(build, big, files[big])
    result = kernels("mirror", "add", str(build), "--repo", repo, "--mirror", str(mirror_dir), "--branch", "v1",
                     "--trusted-publisher", env={"SOURCE_DATE_EPOCH": DATE})
    assert result.returncode == 0, result.stderr
    return files


class Setup:
    def __init__(self, kernels, tmp_path, serve):
        self.kernels = kernels
        self.tmp_path = tmp_path
        self.serve = serve
        self.mirror = tmp_path / "mirror"
        self.files = {"org/relu": add_repo(kernels, tmp_path, self.mirror, "org/relu", "r1"),
                      "org/act": add_repo(kernels, tmp_path, self.mirror, "org/act", "a1")}
        self.cache = tmp_path / "cache"
        self.project = project(tmp_path / "project", '"org/relu" = 1\n"org/act" = 1\n')
        self.server = serve(self.mirror, "-v")

    def lock(self, *args):
        result = self.run("lock", *args)
        assert result.returncode == 0, result.stderr
        return json.loads((self.project / "kernels.lock").read_text())

    def run(self, *args, server=None, env=None):
        environment = {"KERNELS_CACHE": str(self.cache)}
        environment.update(env or {})
        url = (server or self.server).url
        return self.kernels("--endpoint", url, "--project", str(self.project), *args, env=environment)

    def commit(self, repo: str) -> str:
        for entry in json.loads((self.project / "kernels.lock").read_text()):
            if entry.get("repo_id") == repo:
                return entry["sha"]
            if entry.get("dependency", {}).get("repo-id") == repo:
                return entry["lock"]["commit"]
        raise KeyError(repo)

    def snapshot(self, repo: str) -> Path:
        return self.cache / ("kernels--" + repo.replace("/", "--")) / "snapshots" / self.commit(repo)

    def check_files(self, repo: str, variants) -> None:
        """Every non-bytecode file of the variants is a relative link to a blob with its bytes."""
        snapshot = self.snapshot(repo)
        for path, data in self.files[repo].items():
            parts = path.split("/")
            if parts[0] != "build" or parts[1] not in variants or "__pycache__" in parts:
                continue
            link = snapshot / path
            assert link.is_symlink(), link
            assert not os.readlink(link).startswith("/"), os.readlink(link)
            assert link.read_bytes() == data, path
            assert not (snapshot / f"build/{parts[1]}/__pycache__").exists()


def request_lines(served) -> list:
    """The request log lines `kernels serve -v` wrote so far (stderr is read without blocking)."""
    fd = served.process.stderr.fileno()
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    served.log = getattr(served, "log", "") + b"".join(chunks).decode(errors="replace")
    return [line for line in served.log.splitlines() if re.match(r"kernels serve: (cdn )?(GET|HEAD) ", line)]


@pytest.fixture
def setup(kernels, tmp_path, serve):
    return Setup(kernels, tmp_path, serve)
