"""Benchmark of `kernels lock` against `kernels serve --latency-ms 20` (a benchmark, not a test:
it asserts nothing about time; tests/bench/README.md has the numbers and how to read them).

It builds a mirror of 20 small kernel repos (a few variants each, branch v1 and tag v1.0.0),
serves it with a fixed latency per request, and measures, as the median of several runs:

  floor     `kernels lock` of ONE repo: the chain of dependent round trips that no batching
            removes (kernel-status.toml, refs, tree for the hashes format; refs for commits);
  20 repos  `kernels lock` of all 20: the same stages, each one batch for every repo;
  reference the reference tool (Python `kernels` 0.17.2) locking the same projects.

The reference writes the dependency/lock ("commits") format; ours is run with `--format commits`
for the apples-to-apples comparison, and the two kernels.lock files must be byte-identical.

    .venv/bin/python tests/bench/bench_lock.py --kernels build/bench/cli/kernels
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import record

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = ("torch210-cxx11-cpu-x86_64-linux", "torch210-cxx11-cu128-x86_64-linux",
            "torch29-cxx11-cu126-x86_64-linux", "torch-cpu")
DATE = "1767225600"  # SOURCE_DATE_EPOCH: the same commits on every run


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", default=os.environ.get("KERNELS_BIN", ROOT / "build/bench/cli/kernels"),
                        type=Path, help="our binary (default: build/bench/cli/kernels)")
    parser.add_argument("--reference", default=ROOT / ".venv/bin/kernels", type=Path,
                        help="the reference tool (default: .venv/bin/kernels, kernels 0.17.2)")
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement")
    parser.add_argument("--reference-repeat", type=int, default=3, help="timed runs of the reference")
    # run.sh passes its arguments to every benchmark; ignore the ones meant for others.
    arguments, _ = parser.parse_known_args()
    return arguments


def repo_name(index: int) -> str:
    return f"bench/kernel{index:02d}"


def make_build(folder: Path, index: int) -> None:
    """A kernel-builder layout: a README and, per variant, metadata, Python files and a .so."""
    name = f"kernel{index:02d}"
    files = {"README.md": f"# {name}\n".encode()}
    for variant in VARIANTS:
        backend = "cuda" if "-cu" in variant else "cpu"
        metadata = {"name": name, "id": f"_{name}_{backend}", "version": 1, "license": "Apache-2.0",
                    "python-depends": [], "backend": {"type": backend}}
        files[f"build/{variant}/metadata.json"] = json.dumps(metadata).encode()
        files[f"build/{variant}/{name}/__init__.py"] = b"from ._ops import ops\n"
        files[f"build/{variant}/{name}/_ops.py"] = f"ops = '{name}'\n".encode()
        if variant != "torch-cpu":
            digest = hashlib.sha256(f"{name}{variant}".encode()).digest()
            files[f"build/{variant}/{name}/_{name}.abi3.so"] = b"\x7fELF" + digest * 64
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def build_mirror(kernels: Path, work: Path, repos: int) -> Path:
    mirror = work / "mirror"
    for index in range(repos):
        build = work / "builds" / f"{index:02d}"
        make_build(build, index)
        subprocess.run([str(kernels), "-q", "mirror", "add", str(build), "--repo", repo_name(index),
                        "--branch", "v1", "--tag", "v1.0.0", "--trusted-publisher", "--mirror", str(mirror)],
                       check=True, env={**os.environ, "SOURCE_DATE_EPOCH": DATE}, stdout=subprocess.DEVNULL)
    return mirror


class Server:
    def __init__(self, kernels: Path, mirror: Path, latency_ms: int):
        self.process = subprocess.Popen([str(kernels), "serve", str(mirror), "--latency-ms", str(latency_ms)],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            sys.exit(f"kernels serve did not start (said {self.url!r})")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


def make_project(folder: Path, repos: int) -> Path:
    folder.mkdir(parents=True)
    lines = "".join(f'"{repo_name(index)}" = 1\n' for index in range(repos))
    (folder / "pyproject.toml").write_text(f"[tool.kernels.dependencies]\n{lines}")
    return folder


def clean_environment(hf_home: Path, endpoint: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "KERNELS_"))}
    # Not HF_HUB_DISABLE_TELEMETRY: kernels 0.17.2 then sends a User-Agent httpx refuses.
    environment.update({"HF_HOME": str(hf_home), "HF_ENDPOINT": endpoint})
    return environment


def time_runs(command: list, project: Path, environment: dict, repeat: int) -> list:
    """Seconds per run, after one untimed warm-up run; kernels.lock is removed before each run so
    that every run resolves everything (nothing is kept as locked)."""
    seconds = []
    for run in range(repeat + 1):
        (project / "kernels.lock").unlink(missing_ok=True)
        shutil.rmtree(environment["HF_HOME"], ignore_errors=True)
        start = time.perf_counter()
        result = subprocess.run(command, env=environment, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
        if run > 0:
            seconds.append(elapsed)
    return seconds


def milliseconds(values: list) -> str:
    return f"{statistics.median(values) * 1000:7.0f} ms"


def main() -> int:
    arguments = parse_arguments()
    kernels = arguments.kernels.resolve()
    if not os.access(kernels, os.X_OK):
        sys.exit(f"{kernels} is not an executable; build it first (bash tests/bench/run.sh does)")
    reference = arguments.reference if os.access(arguments.reference, os.X_OK) else None

    with tempfile.TemporaryDirectory(prefix="kernels-bench-lock-") as temporary:
        work = Path(temporary)
        mirror = build_mirror(kernels, work, arguments.repos)
        server = Server(kernels, mirror, arguments.latency_ms)
        try:
            environment = clean_environment(work / "hf-home", server.url)
            one = make_project(work / "one", 1)
            many = make_project(work / "many", arguments.repos)
            rows = []

            def ours(project, lock_format):
                command = [str(kernels), "--project", str(project), "lock", "--format", lock_format]
                return time_runs(command, project, environment, arguments.repeat)

            startup = time_runs([str(kernels), "--version"], one, environment, arguments.repeat)
            for lock_format in ("hashes", "commits"):
                rows.append((f"ours, --format {lock_format}", ours(one, lock_format), ours(many, lock_format)))
            ours_commits = (many / "kernels.lock").read_bytes()
            if reference:
                reference_startup = time_runs([str(reference), "--help"], one, environment,
                                              arguments.reference_repeat)

                def theirs(project):
                    return time_runs([str(reference), "lock", str(project)], project, environment,
                                     arguments.reference_repeat)
                rows.append(("reference kernels 0.17.2", theirs(one), theirs(many)))
                theirs_commits = (many / "kernels.lock").read_bytes()
        finally:
            server.stop()

    print(f"kernels lock, {arguments.repos} repos x {len(VARIANTS)} variants, kernels serve --latency-ms "
          f"{arguments.latency_ms}; median of {arguments.repeat} runs ({arguments.reference_repeat} for the "
          f"reference), after one warm-up run")
    print(f"process start: ours (kernels --version) {milliseconds(startup).strip()}" +
          (f", the reference (kernels --help) {milliseconds(reference_startup).strip()}" if reference else ""))
    print()
    print(f"| {'':<26} | {'floor (1 repo)':>14} | {f'{arguments.repos} repos':>10} | {'ratio':>6} |")
    print(f"|{'-' * 28}|{'-' * 16}|{'-' * 12}|{'-' * 8}|")
    for name, floor, all_repos in rows:
        ratio = statistics.median(all_repos) / statistics.median(floor)
        print(f"| {name:<26} | {milliseconds(floor):>14} | {milliseconds(all_repos):>10} | {ratio:5.2f}x |")
        if name.startswith("ours"):
            record("lock", f"{arguments.repos} repos vs the 1-repo floor, {name.removeprefix('ours, ')}",
                   milliseconds(all_repos).strip(), milliseconds(floor).strip(), ratio, 3.0, "at_most")
    if reference:
        ours_many = statistics.median(rows[1][2])
        theirs_many = statistics.median(rows[2][2])
        print(f"\nours (--format commits) vs the reference, {arguments.repos} repos: "
              f"{theirs_many / ours_many:.1f}x faster")
        record("lock", f"{arguments.repos} repos vs the reference kernels 0.17.2", milliseconds(rows[1][2]).strip(),
               milliseconds(rows[2][2]).strip(), theirs_many / ours_many, 1.0,
               note="same kernels.lock bytes" if ours_commits == theirs_commits else "kernels.lock DIFFERS")
        same = ours_commits == theirs_commits
        print(f"kernels.lock of the {arguments.repos} repos, ours --format commits vs the reference: "
              f"{'byte-identical' if same else 'DIFFERENT'}")
        if not same:
            return 1
    else:
        print(f"\n(no reference tool at {arguments.reference}: scripts/install-deps.sh installs it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
