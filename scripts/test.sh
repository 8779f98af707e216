#!/usr/bin/env bash
# The project's test command (README.md): install dependencies, configure with warnings as
# errors, build, and run every test with CTest.
#
#   bash scripts/test.sh [PRESET]     PRESET: ci (default), asan, debug
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
preset="${1:-ci}"

bash scripts/install-deps.sh
cmake --preset "$preset" -DKERNELS_PYTHON="$repo_root/.venv/bin/python"
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
