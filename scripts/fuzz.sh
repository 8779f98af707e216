#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with libFuzzer under ASan and UBSan (tests/fuzz/README.md).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]    SECONDS per target (default 60); all targets
#
# Targets run $(nproc) at a time. Each grows its corpus in build/fuzz/corpus/<target>/ (seeded from
# tests/fuzz/corpus/<target>/); a crash leaves its input in build/fuzz/artifacts/<target>/ and
# fails the script. Fix the bug, then keep the input as tests/fuzz/regressions/<target>/<name>:
# every test run replays it.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
seconds="${1:-60}"
shift || true

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for binary in build/fuzz/tests/fuzz/fuzz_*; do targets+=("$(basename "$binary")"); done
fi

run_target() {
  local target="$1" seconds="$2"
  local corpus="build/fuzz/corpus/$target" artifacts="build/fuzz/artifacts/$target"
  local dictionary=()
  mkdir -p "$corpus" "$artifacts"
  cp -n tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  case "$target" in
    fuzz_lockfile | fuzz_metadata | fuzz_hub_responses) dictionary=(-dict=tests/fuzz/json.dict) ;;
    fuzz_project_config) dictionary=(-dict=tests/fuzz/toml.dict) ;;
  esac
  local regressions=()
  [[ -d tests/fuzz/regressions/$target ]] && regressions=("tests/fuzz/regressions/$target")
  if "build/fuzz/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 "${dictionary[@]}" -artifact_prefix="$artifacts/" \
      "$corpus" "${regressions[@]}" >"build/fuzz/$target.log" 2>&1; then
    echo "fuzz: $target: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "build/fuzz/$target.log" | awk '{print $2}') runs, no crash"
  else
    echo "fuzz: $target FAILED; input and log: $artifacts/, build/fuzz/$target.log" >&2
    tail -n 40 "build/fuzz/$target.log" >&2
    return 1
  fi
}
export -f run_target

printf '%s\n' "${targets[@]}" |
  xargs -P "$(nproc)" -I{} bash -c 'run_target "$1" "$2"' _ {} "$seconds"
