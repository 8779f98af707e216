"""CLI start-up: a fresh `kernels` process against a fresh process of the reference tool.

    python tests/bench/bench_startup.py --kernels BUILD/cli/kernels [--repeat N]

Start-up is what a user pays on every command, and in CI on every step; for a short command it is
most of the time. Both tools print their help (`--help`: parse the command line, build the help
text, exit), and ours also `--version`. Median of --repeat runs after one untimed warm-up run (so
both read their files from the page cache), with HF_* and KERNELS_* settings removed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from results import record

ROOT = Path(__file__).resolve().parents[2]


def median_ms(command: list, environment: dict, repeat: int) -> float:
    seconds = []
    for run in range(repeat + 1):
        start = time.perf_counter()
        result = subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"{' '.join(map(str, command))} failed ({result.returncode}): {result.stderr.decode()}")
        if run > 0:
            seconds.append(elapsed)
    return statistics.median(seconds) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", type=Path, required=True)
    parser.add_argument("--reference", type=Path, default=ROOT / ".venv/bin/kernels")
    parser.add_argument("--repeat", type=int, default=11)
    arguments, _ = parser.parse_known_args()
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "KERNELS_"))}

    ours_version = median_ms([arguments.kernels, "--version"], environment, arguments.repeat)
    ours_help = median_ms([arguments.kernels, "--help"], environment, arguments.repeat)
    print(f"CLI start-up, median of {arguments.repeat} fresh processes")
    print(f"  ours: kernels --version {ours_version:.1f} ms, kernels --help {ours_help:.1f} ms")
    if not os.access(arguments.reference, os.X_OK):
        print(f"  (no reference tool at {arguments.reference}: scripts/install-deps.sh installs it)")
        return 0
    theirs_help = median_ms([arguments.reference, "--help"], environment, max(3, arguments.repeat // 3))
    print(f"  the reference kernels 0.17.2: kernels --help {theirs_help:.1f} ms "
          f"({theirs_help / ours_help:.0f}x ours)")
    record("startup", "kernels --help vs the reference's", f"{ours_help:.1f} ms", f"{theirs_help:.0f} ms",
           theirs_help / ours_help, 1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
