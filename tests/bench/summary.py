"""Prints the one table of ratios of a tests/bench/run.sh run from the rows the benchmarks
recorded (results.py), with a target column and whether each target was met.

    python tests/bench/summary.py RESULTS.jsonl

Exits 0 whatever the numbers say: benchmarks measure, they do not pass or fail.
"""

import json
import sys
from pathlib import Path


def verdict(row: dict) -> str:
    if row["ratio"] is None or row["target"] is None:
        return row["note"]
    if row["direction"] == "at_least":
        met = row["ratio"] >= row["target"]
        target = f">= {row['target']:g}x"
    else:
        met = row["ratio"] <= row["target"]
        target = f"<= {row['target']:g}x"
    return f"{target}: {'met' if met else 'MISSED'}" + (f" ({row['note']})" if row["note"] else "")


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = Path(sys.argv[1])
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    if not rows:
        print("no benchmark recorded a result")
        return 0
    header = ("benchmark", "measure", "ours", "baseline", "ratio", "target")
    table = [header] + [
        (row["benchmark"], row["measure"], row["ours"], row["baseline"],
         f"{row['ratio']:.2f}x" if row["ratio"] is not None else "", verdict(row))
        for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]

    def show(line):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |"
    print(show(header))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for line in table[1:]:
        print(show(line))
    missed = sum("MISSED" in line[5] for line in table[1:])
    print(f"\n{len(rows)} measurements, {missed} below target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
