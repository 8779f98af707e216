#!/usr/bin/env bash
# Writes the man page of kernels with help2man: the synopsis, description and global options from
# `kernels --help` and `--version`, then every command's own help from `kernels __man-include`.
#
#   bash scripts/make-manpage.sh BUILD/cli/kernels OUT/kernels.1
#
# The CMake target `man` runs it; the tests run it too (tests/integration/test_man_page.py).
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 KERNELS_BINARY OUTPUT" >&2
  exit 2
fi
binary=$(realpath "$1")
output=$2
include=$(mktemp)
trap 'rm -f "$include"' EXIT

"$binary" __man-include >"$include"
help2man --no-info --section=1 \
  --name="lock, download and verify compute kernels from the Hugging Face Hub" \
  --include="$include" --output="$output" "$binary"
