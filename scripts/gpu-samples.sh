#!/usr/bin/env bash
# The sample kernels on a GPU machine: build the CUDA variants (when cmake and nvcc are there),
# run the op tests on the GPU (and the CPU), and benchmark each kernel's bandwidth against a
# device-to-device copy and the torch expressions it replaces.
#
#   bash scripts/gpu-samples.sh
#
# Needs: a CUDA GPU and a Python with torch 2.11 (CUDA build) — KERNELS_PYTHON, else
# <repo>/.venv/bin/python, else python3. Building also needs cmake >= 3.22, ninja or make, g++ and
# nvcc of torch's CUDA major version; without them (or with KERNELS_SAMPLES_PREBUILT=1) the script
# uses variants built elsewhere, found in KERNELS_SAMPLES_DIR (default: build/samples/kernels-src,
# the folder a full project build writes; it is small enough to carry to the GPU machine).
# pytest is optional: without it the benchmark's own result checks are the GPU correctness test.
#
# Results: $OUT (default: build/gpu-samples-out): build.log, tests.log, bench_samples.json and
# bench_samples.md (copy the latter to docs/ to publish it).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
out="${OUT:-$repo_root/build/gpu-samples-out}"
mkdir -p "$out"

python="${KERNELS_PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$repo_root/.venv/bin/python" ]]; then python="$repo_root/.venv/bin/python"; else python="$(command -v python3)"; fi
fi
"$python" - <<'PY' | tee "$out/system.txt"
import torch
assert torch.cuda.is_available(), "gpu-samples: torch sees no CUDA device"
print(f"torch {torch.__version__} CUDA {torch.version.cuda} on {torch.cuda.get_device_name()} "
      f"(capability {'.'.join(map(str, torch.cuda.get_device_capability()))})")
PY
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory,driver_version --format=csv >>"$out/system.txt" 2>&1 || true

samples_dir="${KERNELS_SAMPLES_DIR:-$repo_root/build/samples/kernels-src}"
if [[ "${KERNELS_SAMPLES_PREBUILT:-0}" != 1 ]] && command -v cmake >/dev/null && command -v nvcc >/dev/null; then
  build_dir="$repo_root/build/gpu-samples"
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  echo "gpu-samples: building the sample kernels in $build_dir (log: $out/build.log)"
  start=$(date +%s)
  {
    cmake -S kernels-src -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DKERNELS_PYTHON="$python" -DKERNELS_SAMPLES_CUDA=ON
    cmake --build "$build_dir" -j "$(nproc)"
  } >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
  echo "gpu-samples: built in $(($(date +%s) - start)) s"
  samples_dir="$build_dir"
else
  echo "gpu-samples: using prebuilt variants in $samples_dir"
fi
ls "$samples_dir"/*/build | tee -a "$out/system.txt"

status=0
if "$python" -c 'import pytest' 2>/dev/null; then
  echo "gpu-samples: op tests on cuda and cpu (log: $out/tests.log)"
  KERNELS_SAMPLES_DIR="$samples_dir" KERNELS_SAMPLES_DEVICE=cuda,cpu \
    "$python" -m pytest -q -p no:cacheprovider tests/samples/test_ops.py >"$out/tests.log" 2>&1 || status=1
  tail -5 "$out/tests.log"
else
  echo "gpu-samples: no pytest in $python; the benchmark's result checks are the only GPU test"
fi

echo "gpu-samples: benchmark"
"$python" tests/bench/bench_samples.py "$samples_dir" --out "$out" || status=1
exit "$status"
