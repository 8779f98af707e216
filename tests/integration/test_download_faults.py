"""`kernels download` through the fault switches of `kernels serve`, with many processes on one
cache, and after a kill -9."""

import os
import re
import signal
import subprocess
import time
from collections import Counter

import pytest
from download_fixtures import setup, request_lines  # noqa: F401 (fixture)
from lock_fixtures import VARIANTS
from mirror_fixtures import serve  # noqa: F401 (fixture)

FAULTS = {
    # An LFS file costs two requests per attempt (the 302 and the CDN's answer), and the retry
    # policy gives up after 5 attempts: at 30 % errors that is 3 % of such files, which the
    # download's second pass over failed transfers brings down to about 0.1 %.
    "500s": ("--error-rate", "0.3"),
    "429s": ("--rate-limit-rate", "0.2"),
    "truncated": ("--truncate-rate", "0.4"),
    "dropped": ("--drop-rate", "0.3"),
    "latency": ("--latency-ms", "200"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_download_completes_through_faults(setup, serve, fault):
    setup.lock()
    faulty = serve(setup.mirror, *FAULTS[fault], "--seed", "7")
    result = setup.run("download", "--all-variants", "--json", server=faulty)
    assert result.returncode == 0, result.stderr
    for repo in ("org/relu", "org/act"):
        setup.check_files(repo, VARIANTS)
    check = setup.run("check", "--cache", "--backend", "cpu")
    assert check.returncode == 0, check.stderr


def download_process(setup, *args):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "KERNELS_CACHE"))}
    environment.update({"KERNELS_CACHE": str(setup.cache), "HF_HOME": str(setup.tmp_path / "hf-home")})
    return subprocess.Popen(
        [os.environ["KERNELS_BIN"], "--endpoint", setup.server.url, "--project", str(setup.project), "download",
         *args], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def file_gets(lines):
    """Paths of GETs that carried file bytes (200/206 of resolve URLs and of the CDN's LFS URLs)."""
    paths = []
    for line in lines:
        match = re.match(r"kernels serve: (?:cdn )?GET (\S+) (\d+)", line)
        if match and match.group(2) in ("200", "206") and ("/resolve/" in match.group(1) or "/lfs/" in match.group(1)):
            paths.append(match.group(1))
    return paths


def test_sixteen_processes_share_one_cache(setup):
    setup.lock()
    before = len(request_lines(setup.server))
    processes = [download_process(setup, "--all-variants") for _ in range(16)]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    for repo in ("org/relu", "org/act"):
        setup.check_files(repo, VARIANTS)
    assert setup.run("check", "--cache", "--backend", "cpu").returncode == 0
    gets = Counter(path for path in file_gets(request_lines(setup.server)[before:]))
    assert gets, "the server logged no file download"
    repeated = {path: count for path, count in gets.items() if count > 1}
    assert not repeated, repeated


def test_kill_9_in_the_middle_then_the_next_run_completes(setup, serve):
    setup.lock()
    slow = serve(setup.mirror, "--latency-ms", "150")
    for delay in (0.2, 0.5, 0.9):
        process = subprocess.Popen(
            [os.environ["KERNELS_BIN"], "--endpoint", slow.url, "--project", str(setup.project), "download",
             "--all-variants", "-j", "2"],
            env={**{k: v for k, v in os.environ.items() if not k.startswith(("HF_", "KERNELS_CACHE"))},
                 "KERNELS_CACHE": str(setup.cache), "HF_HOME": str(setup.tmp_path / "hf-home")},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Whatever is visible is verified: every snapshot link points at a blob with its bytes.
        for repo in ("org/relu", "org/act"):
            snapshot = setup.snapshot(repo)
            if snapshot.exists():
                for link in snapshot.rglob("*"):
                    if link.is_symlink():
                        assert link.read_bytes() == setup.files[repo][str(link.relative_to(snapshot))]
    result = setup.run("download", "--all-variants")
    assert result.returncode == 0, result.stderr
    for repo in ("org/relu", "org/act"):
        setup.check_files(repo, VARIANTS)
    assert setup.run("check", "--cache", "--backend", "cpu").returncode == 0
