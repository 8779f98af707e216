#!/usr/bin/env bash
# The project's test command (README.md): install the dependencies, then for each stage configure,
# build and run every test with CTest.
#
#   bash scripts/test.sh [STAGE...]
#
# Stages: ci (RelWithDebInfo, warnings are errors), asan (Debug with ASan and UBSan), fuzz (every
# fuzz target for KERNELS_FUZZ_SECONDS seconds each, default 60), debug. No stage: ci, asan, fuzz,
# which is what CI runs.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
stages=("$@")
[[ ${#stages[@]} -eq 0 ]] && stages=(ci asan fuzz)

bash scripts/install-deps.sh

run_preset() {
  local preset="$1"
  cmake --preset "$preset" -DKERNELS_PYTHON="$repo_root/.venv/bin/python"
  cmake --build --preset "$preset" -j "$(nproc)"
  ctest --preset "$preset" -j "$(nproc)"
}

for stage in "${stages[@]}"; do
  started=$SECONDS
  echo "=== test stage: $stage"
  case "$stage" in
    fuzz) bash scripts/fuzz.sh "${KERNELS_FUZZ_SECONDS:-60}" ;;
    ci | asan | debug) run_preset "$stage" ;;
    *)
      echo "scripts/test.sh: unknown stage '$stage' (ci, asan, fuzz, debug)" >&2
      exit 2
      ;;
  esac
  echo "=== test stage: $stage passed in $((SECONDS - started)) s"
done
