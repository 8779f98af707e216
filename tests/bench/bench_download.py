"""Benchmark of `kernels download` against `kernels serve` on this machine (a benchmark, not a
test: it asserts nothing about time; tests/bench/README.md has the numbers and how to read them).

A mirror of N repos x M variants, one file of S MiB per variant (random bytes, so LFS files),
served by `kernels serve`, and five measurements:

  (a) throughput  `kernels download --all-variants -j 8` into an empty cache vs curl fetching the
                  same files over the same resolve URLs with the same parallelism
                  (curl --parallel --parallel-max 8 -L); ratio = curl time / our time (>= 0.9 is
                  the target: we hash, fsync and link, curl only writes); (a') adds to curl's
                  time one syncfs of the file system (`sync -f`): what making its files durable
                  costs on this disk, the durability we pay for;
  (b) reference   the reference tool (Python kernels 0.17.2) `kernels download --all-variants` of
                  the same project (commits-format lock) into an empty cache; ratio = its time /
                  ours;
  (c) hashing     `kernels cache verify` over the cache vs `sha256sum` over the same blob files;
                  ratio = sha256sum time / ours;
  (d) memory      peak RSS of our download of one file of --big-mib MiB (target < 64 MiB);
  (e) no-op       `kernels download --all-variants` of a complete cache: wall time (target
                  < 50 ms) and the requests the server saw (must be 0).

    .venv/bin/python tests/bench/bench_download.py --kernels build/bench/cli/kernels
    .venv/bin/python tests/bench/bench_download.py --repos 4 --variants 3 --file-mib 2 --big-mib 256
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import absolute, record

ROOT = Path(__file__).resolve().parents[2]
DATE = "1767225600"  # SOURCE_DATE_EPOCH: the same commits on every run
CHUNK = 1 << 20


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", default=os.environ.get("KERNELS_BIN", ROOT / "build/bench/cli/kernels"),
                        type=Path, help="our binary (default: build/bench/cli/kernels)")
    parser.add_argument("--reference", default=ROOT / ".venv/bin/kernels", type=Path,
                        help="the reference tool (default: .venv/bin/kernels, kernels 0.17.2)")
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--variants", type=int, default=12)
    parser.add_argument("--file-mib", type=int, default=8, help="size of each variant's file")
    parser.add_argument("--big-mib", type=int, default=2048, help="the one file of (d); 0 skips (d)")
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of (e)")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--repeat-download", type=int, default=1, help="timed runs of (a), (b) and (c)")
    parser.add_argument("--work", type=Path, help="folder for the mirror and caches (default: a temporary one)")
    # run.sh passes its arguments to every benchmark; ignore the ones meant for others.
    arguments, _ = parser.parse_known_args()
    return arguments


def variant_names(count: int) -> list:
    return [f"torch2{10 + index}-cxx11-cpu-x86_64-linux" for index in range(count)]


def write_random(path: Path, mib: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for _ in range(mib):
            out.write(os.urandom(CHUNK))


def repo_name(index: int) -> str:
    return f"bench/dl{index:02d}"


def add_repo(kernels: Path, work: Path, mirror: Path, repo: str, variants: list, mib: int) -> list:
    build = work / "builds" / repo.replace("/", "-")
    files = []
    for variant in variants:
        relative = f"build/{variant}/{repo.split('/')[1]}/_ops.abi3.so"
        write_random(build / relative, mib)
        files.append(relative)
        init = f"build/{variant}/{repo.split('/')[1]}/__init__.py"
        (build / init).write_text("from ._ops import ops\n")
        files.append(init)
        # `lock --format commits` (the reference's format) reads every variant's metadata.json
        # for the kernel's dependencies, as the reference does.
        metadata = f"build/{variant}/metadata.json"
        (build / metadata).write_text(json.dumps({
            "name": repo.split("/")[1], "id": f"_{repo.split('/')[1]}_bench", "version": 1,
            "license": "Apache-2.0", "python-depends": [], "backend": {"type": "cpu"}}))
        files.append(metadata)
    subprocess.run([str(kernels), "-q", "mirror", "add", str(build), "--repo", repo, "--branch", "v1",
                    "--trusted-publisher", "--mirror", str(mirror)],
                   check=True, env={**os.environ, "SOURCE_DATE_EPOCH": DATE}, stdout=subprocess.DEVNULL)
    shutil.rmtree(build)  # the mirror has its own copy; the disk is better spent on caches
    return files


class Server:
    def __init__(self, kernels: Path, mirror: Path, log: Path):
        self.log = log
        self.process = subprocess.Popen([str(kernels), "serve", str(mirror), "-v"], stdout=subprocess.PIPE,
                                        stderr=open(log, "w"), text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            sys.exit(f"kernels serve did not start (said {self.url!r})")

    def requests(self) -> int:
        return sum(1 for line in self.log.read_text(errors="replace").splitlines()
                   if re.match(r"kernels serve: (cdn )?(GET|HEAD) ", line))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)


def make_project(folder: Path, repos: list) -> Path:
    folder.mkdir(parents=True)
    lines = "".join(f'"{repo}" = 1\n' for repo in repos)
    (folder / "pyproject.toml").write_text(f"[tool.kernels.dependencies]\n{lines}")
    return folder


def run_quietly(command: list, environment: dict) -> None:
    """Runs a set-up step; when it fails, shows its error output and exits (a benchmark that goes
    on without its set-up would measure nothing)."""
    done = subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_download: {' '.join(command)} exited {done.returncode}:\n{done.stderr}")


def environment_for(work: Path, server: Server, cache: Path) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "KERNELS_"))}
    environment.update({"HF_HOME": str(work / "hf-home"), "HF_ENDPOINT": server.url, "KERNELS_CACHE": str(cache)})
    return environment


def timed(command: list, environment: dict, cwd=None) -> tuple:
    """(seconds, peak RSS in KiB) of one run; exits when the command fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=environment, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace")
    if process.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed ({process.returncode}):\n{stderr[-4000:]}")
    return elapsed, usage.ru_maxrss


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def drop_page_cache_hint():
    """Nothing can drop the page cache without root; sync so that writeback of the previous run
    does not land in the next one."""
    os.sync()


def locked_commits(project: Path) -> dict:
    commits = {}
    for entry in json.loads((project / "kernels.lock").read_text()):
        if "repo_id" in entry:
            commits[entry["repo_id"]] = entry["sha"]
        else:
            commits[entry["dependency"]["repo-id"]] = entry["lock"]["commit"]
    return commits


def curl_download(server: Server, commits: dict, files: dict, target: Path, jobs: int) -> float:
    config = target.parent / "curl.config"
    lines = []
    count = 0
    for repo, paths in files.items():
        for path in paths:
            count += 1
            lines.append(f'url = "{server.url}/kernels/{repo}/resolve/{commits[repo]}/{path}"')
            lines.append(f'output = "{target}/{count}"')
    config.write_text("\n".join(lines) + "\n")
    seconds, _ = timed(["curl", "--parallel", "--parallel-max", str(jobs), "--fail", "-sS", "-L", "-K",
                        str(config)], dict(os.environ))
    # What durability costs: we fsync every blob before it gets its name; curl leaves its files
    # dirty in the page cache. `sync -f` (syncfs(2) of the file system, coreutils >= 8.24) writes
    # them all in one go, as fast as this disk makes that many bytes durable: one fsync per file
    # (`sync FILE...`, one after the other) took twice as long.
    synced, _ = timed(["sync", "-f", str(target)], dict(os.environ))
    return seconds, seconds + synced


def main() -> int:
    arguments = parse_arguments()
    kernels = arguments.kernels.resolve()
    if not os.access(kernels, os.X_OK):
        sys.exit(f"{kernels} is not an executable; build it first (bash tests/bench/run.sh does)")
    reference = None
    if not arguments.skip_reference and os.access(arguments.reference, os.X_OK):
        reference = arguments.reference
    variants = variant_names(arguments.variants)
    total_mib = arguments.repos * arguments.variants * arguments.file_mib
    need = (4 * total_mib + 3 * arguments.big_mib) * CHUNK
    holder = None
    if arguments.work:
        work = fresh(arguments.work)
    else:
        holder = tempfile.TemporaryDirectory(prefix="kernels-bench-download-")
        work = Path(holder.name)
    free = shutil.disk_usage(work).free
    if free < need:
        sys.exit(f"needs about {need >> 30} GiB free in {work} ({free >> 30} GiB free); use smaller sizes")

    print(f"kernels download: {arguments.repos} repos x {arguments.variants} variants x {arguments.file_mib} MiB "
          f"({total_mib} MiB in {arguments.repos * arguments.variants} LFS files), -j {arguments.jobs}; "
          f"big file {arguments.big_mib} MiB; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start", flush=True)
    mirror = work / "mirror"
    repos = [repo_name(index) for index in range(arguments.repos)]
    files = {repo: add_repo(kernels, work, mirror, repo, variants, arguments.file_mib) for repo in repos}
    if arguments.big_mib:
        add_repo(kernels, work, mirror, "bench/big", variants[:1], arguments.big_mib)
    server = Server(kernels, mirror, work / "serve.log")
    rows = []
    try:
        project = make_project(work / "project", repos)
        cache = work / "cache"
        environment = environment_for(work, server, cache)
        run_quietly([str(kernels), "-q", "--project", str(project), "lock"], environment)
        commits = locked_commits(project)
        download = [str(kernels), "-q", "--project", str(project), "download", "--all-variants",
                    "-j", str(arguments.jobs)]

        # (a) ours vs curl, same files, same parallelism.
        ours_times, curl_times, curl_sync_times = [], [], []
        for _ in range(arguments.repeat_download):
            fresh(cache)
            drop_page_cache_hint()
            ours_times.append(timed(download, environment)[0])
            target = fresh(work / "curl")
            drop_page_cache_hint()
            plain, synced = curl_download(server, commits, files, target, arguments.jobs)
            curl_times.append(plain)
            curl_sync_times.append(synced)
            shutil.rmtree(target)
        ours = statistics.median(ours_times)
        curl = statistics.median(curl_times)
        curl_sync = statistics.median(curl_sync_times)
        rows.append(("(a) download throughput vs curl", f"ours {ours:.2f} s ({total_mib / ours:.0f} MiB/s), "
                     f"curl {curl:.2f} s ({total_mib / curl:.0f} MiB/s)", curl / ours, ">= 0.9"))
        rows.append(("(a') vs curl + syncfs", f"ours {ours:.2f} s, curl + syncfs {curl_sync:.2f} s",
                     curl_sync / ours, ">= 0.9"))
        record("download", f"{total_mib} MiB, -j {arguments.jobs}, vs curl", f"{ours:.2f} s", f"{curl:.2f} s",
               curl / ours, 0.9)
        record("download", "vs curl + syncfs (both durable)", f"{ours:.2f} s", f"{curl_sync:.2f} s",
               curl_sync / ours, 0.9)

        # (e) a no-op download of the complete cache: no request, well under 50 ms.
        before = server.requests()
        noop = [timed(download, environment)[0] for _ in range(arguments.repeat)]
        requests = server.requests() - before
        rows.append(("(e) no-op download", f"{statistics.median(noop) * 1000:.0f} ms, {requests} requests",
                     None, "< 50 ms, 0 requests"))
        absolute("download", "no-op, complete cache", f"{statistics.median(noop) * 1000:.0f} ms, {requests} requests",
                 statistics.median(noop) < 0.050 and requests == 0, "< 50 ms, 0 requests")

        # (c) hashing: our cache verify vs sha256sum over the same blobs.
        blobs = sorted(str(p) for p in cache.glob("*/blobs/*") if p.is_file())
        verify_times, sha_times = [], []
        for _ in range(arguments.repeat_download):
            verify_times.append(timed([str(kernels), "-q", "cache", "verify"], environment)[0])
            sha_times.append(timed(["sha256sum", *blobs], dict(os.environ))[0])
        verify, sha = statistics.median(verify_times), statistics.median(sha_times)
        rows.append(("(c) hashing vs sha256sum", f"ours {verify:.2f} s, sha256sum {sha:.2f} s "
                     f"({len(blobs)} blobs, warm page cache)", sha / verify, ">= 0.9"))
        record("hashing", "cache verify vs sha256sum", f"{verify:.2f} s", f"{sha:.2f} s", sha / verify, 0.9)

        # (b) the reference tool on the same kernels (it reads only the commits format).
        if reference:
            reference_project = make_project(work / "reference-project", repos)
            run_quietly([str(kernels), "-q", "--project", str(reference_project), "lock", "--format", "commits"],
                        environment)
            ref_cache = work / "reference-cache"
            ref_times = []
            for _ in range(arguments.repeat_download):
                fresh(ref_cache)
                drop_page_cache_hint()
                ref_times.append(timed([str(reference), "download", str(reference_project), "--all-variants"],
                                       environment_for(work, server, ref_cache))[0])
            shutil.rmtree(ref_cache)
            theirs = statistics.median(ref_times)
            rows.append(("(b) vs the reference kernels 0.17.2", f"reference {theirs:.2f} s, ours {ours:.2f} s",
                         theirs / ours, "> 1"))
            record("download", "vs the reference kernels 0.17.2", f"{ours:.2f} s", f"{theirs:.2f} s",
                   theirs / ours, 1.0)
        shutil.rmtree(cache)

        # (d) peak memory of one big file.
        if arguments.big_mib:
            big_project = make_project(work / "big-project", ["bench/big"])
            big_cache = fresh(work / "big-cache")
            big_environment = environment_for(work, server, big_cache)
            run_quietly([str(kernels), "-q", "--project", str(big_project), "lock"], big_environment)
            seconds, peak_kib = timed([str(kernels), "-q", "--project", str(big_project), "download",
                                       "--all-variants"], big_environment)
            rows.append(("(d) peak RSS, one big file", f"{peak_kib / 1024:.1f} MiB for {arguments.big_mib} MiB "
                         f"in {seconds:.1f} s", None, "< 64 MiB"))
            absolute("download", f"peak RSS, one {arguments.big_mib} MiB file", f"{peak_kib / 1024:.1f} MiB",
                     peak_kib < 64 * 1024, "< 64 MiB")
            shutil.rmtree(big_cache)
    finally:
        server.stop()
        if holder:
            holder.cleanup()

    print()
    print(f"| {'measurement':<36} | {'result':<58} | {'ratio':>6} | {'target':<20} |")
    print(f"|{'-' * 38}|{'-' * 60}|{'-' * 8}|{'-' * 22}|")
    for name, detail, ratio, target in rows:
        shown = f"{ratio:5.2f}x" if ratio is not None else ""
        print(f"| {name:<36} | {detail:<58} | {shown:>6} | {target:<20} |")
    if not reference:
        print(f"\n(no reference tool at {arguments.reference}, or --skip-reference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
