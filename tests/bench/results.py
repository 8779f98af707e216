"""The rows every benchmark contributes to the one table of ratios that tests/bench/run.sh prints.

A benchmark calls `record(...)` once per measurement against its baseline. When run.sh runs it,
KERNELS_BENCH_RESULTS names a JSON-lines file the rows are appended to; run alone, recording does
nothing and the benchmark prints only its own table. `summary.py` reads the file back.

Each row says which way its ratio must go, so the table can mark a target met or missed without
knowing the benchmark: `at_least` (ours relative to the baseline, higher is better, e.g. curl's
time / ours) or `at_most` (a cost relative to the baseline, e.g. our cold start / a bare dlopen).
"""

import json
import os
from typing import Optional


def record(benchmark: str, measure: str, ours: str, baseline: str, ratio: Optional[float],
           target: Optional[float] = None, direction: str = "at_least", note: str = "") -> None:
    """Appends one row. `ours` and `baseline` are display strings ("1.17 ms"); `ratio` is None
    for an absolute target (then `note` says it, e.g. "< 50 ms, 0 requests: met")."""
    if direction not in ("at_least", "at_most"):
        raise ValueError(f"direction must be at_least or at_most, not {direction!r}")
    path = os.environ.get("KERNELS_BENCH_RESULTS")
    if not path:
        return
    row = {"benchmark": benchmark, "measure": measure, "ours": ours, "baseline": baseline,
           "ratio": ratio, "target": target, "direction": direction, "note": note}
    with open(path, "a", encoding="utf-8") as results:
        results.write(json.dumps(row) + "\n")


def absolute(benchmark: str, measure: str, ours: str, met: bool, target_text: str) -> None:
    """A row with an absolute target (a time, a memory size) instead of a ratio."""
    record(benchmark, measure, ours, "", None, None, "at_least",
           f"{target_text}: {'met' if met else 'MISSED'}")


def skipped(benchmark: str, measure: str, why: str) -> None:
    """A row for a measurement this machine cannot make, so the table shows it was not made."""
    record(benchmark, measure, "not measured", "", None, None, "at_least", f"skipped: {why}")
