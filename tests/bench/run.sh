#!/usr/bin/env bash
# Runs every benchmark in tests/bench (bench_*.py) against a Release build of `kernels`, which it
# configures and builds first when needed (build/bench, tests off), then prints one table of every
# measurement's ratio against its baseline and target (summary.py). Benchmarks are not tests: they
# print numbers and assert nothing about time, and CI does not run them.
#
#   bash tests/bench/run.sh                 all benchmarks, default settings
#   bash tests/bench/run.sh --repeat 11     extra arguments go to every script
#   bash tests/bench/run.sh --only download --repos 4 --variants 3 --file-mib 2 --big-mib 256
#                                           only bench_download.py (bench_lock.py, ...)
#
# KERNELS_BENCH_BUILD (build folder), KERNELS_BENCH_JOBS (build parallelism, default 2) and
# KERNELS_PYTHON (default .venv/bin/python, from scripts/install-deps.sh) override the defaults.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${KERNELS_BENCH_BUILD:-$root/build/bench}"
python="${KERNELS_PYTHON:-$root/.venv/bin/python}"

if [[ ! -x "$python" ]]; then
  echo "run.sh: $python not found; run scripts/install-deps.sh first" >&2
  exit 1
fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKERNELS_BUILD_TESTS=OFF
fi
targets=(kernels_cli)
# The loader benchmark program and the sample kernel it loads exist when the build found Torch
# (kernels::torch). The variant the loader picks follows the Torch of .venv (cu130 for PyPI's
# CUDA build of torch, GPU or not), so both rms-norm variants are laid out when nvcc is there.
available="$(cmake --build "$build" --target help 2>/dev/null || true)"
for target in kernels_bench_loader sample_rms_norm_cpu_layout sample_rms_norm_cuda_layout; do
  if grep -qx "$target: phony" <<<"$available"; then targets+=("$target"); fi
done
cmake --build "$build" -j "${KERNELS_BENCH_JOBS:-2}" --target "${targets[@]}"

only="*"
if [[ "${1:-}" == "--only" ]]; then
  only="$2"
  shift 2
fi

# Every benchmark appends its rows (results.py) to one file; summary.py prints them as one
# table of ratios at the end, after each benchmark's own detailed table.
results="$(mktemp --suffix=.jsonl)"
trap 'rm -f "$results"' EXIT
export KERNELS_BENCH_RESULTS="$results"

status=0
for script in "$root"/tests/bench/bench_$only.py; do
  echo "== $(basename "$script")"
  "$python" "$script" --kernels "$build/cli/kernels" "$@" || {
    status=1
    echo "run.sh: $(basename "$script") failed" >&2
  }
  echo
done
echo "== all benchmarks: one row per measurement against its baseline (measured in this run)"
"$python" "$root/tests/bench/summary.py" "$results"
exit "$status"
