#!/usr/bin/env bash
# The kernelize example on a GPU machine, with the CUDA variants of the sample kernels: outputs
# and gradients match the model without kernels on cuda, and the kernelized forward is timed
# against the stock libtorch model's.
#
#   bash scripts/gpu-kernelize.sh [BUNDLE]
#
# BUNDLE (default build/gpu-e2e) holds what a CPU machine built and prepared (the GPU machine
# needs no compiler, no libcurl and no network): bin/kernelize-example, lib/ (libkernels-loader,
# libkernels-torch), project/ (kernels.toml with [layers], kernels.lock) and cache.tar (the cache
# `kernels download --all-variants` filled). Needs a Python with torch 2.11 (CUDA build): the
# libtorch the example runs on. Results go to $OUT (default BUNDLE/out): kernelize.log and
# kernelize.md.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$(cd "${1:-$repo_root/build/gpu-e2e}" && pwd)"
out="${OUT:-$bundle/out}"
mkdir -p "$out"
python="${KERNELS_PYTHON:-$(command -v python3)}"
torch_lib="$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
gpu="$("$python" -c 'import torch; print(torch.cuda.get_device_name())')"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar xf "$bundle/cache.tar" -C "$work"
export KERNELS_CACHE="$work/cache"
export LD_LIBRARY_PATH="$bundle/lib:$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
example=("$bundle/bin/kernelize-example" --project "$bundle/project" --device cuda)

{
  echo "== inference, float32 (outputs compared)"
  "${example[@]}"
  echo "== training, float32 (gradients compared)"
  "${example[@]}" --mode training
  for size in "1024 2816 2048" "4096 11008 4096"; do
    read -r hidden intermediate tokens <<<"$size"
    echo "== bench, bfloat16, hidden $hidden, intermediate $intermediate, $tokens tokens"
    "${example[@]}" --dtype bfloat16 --hidden "$hidden" --intermediate "$intermediate" \
      --tokens "$tokens" --bench 50
    if [[ -d "$bundle/project-unfused" ]]; then
      echo "== the same, unfused (RMSNormMLP = \"\": the blocks run their kernelized children)"
      "${example[@]}" --project "$bundle/project-unfused" --dtype bfloat16 --hidden "$hidden" \
        --intermediate "$intermediate" --tokens "$tokens" --bench 50
    fi
  done
} 2>&1 | tee "$out/kernelize.log"

{
  echo "# The kernelize example on $gpu"
  echo
  echo "examples/kernelize (embedding, 2 x [RMSNorm, MLP with SiluAndMul] fused as RMSNormMLP, final"
  echo "RMSNorm) with the"
  echo "CUDA variants of the sample kernels, loaded from kernels.lock and a cache filled by"
  echo "\`kernels download\` (scripts/gpu-kernelize.sh). Forward times are medians of 50 runs."
  echo
  echo '```'
  grep -E "^(==|kernelized|inference|training|bench|restored)" "$out/kernelize.log"
  echo '```'
} >"$out/kernelize.md"
