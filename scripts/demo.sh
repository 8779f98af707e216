#!/usr/bin/env bash
# The main job on the embedded default (README.md, first command): build the tool, publish a demo
# kernel to a local Hub-compatible server, lock a project against it, download and verify it into
# a cache, check lock, cache and ABI, and carry it to an offline cache as a bundle.
# Then the loader: the sample kernels (kernels-src/, built with the project) are published, locked
# and downloaded, and the kernelize example loads them into a small libtorch model.
#
# KERNELS_DEMO_BIN=PATH runs the demo with an already built `kernels` instead of building one
# (the loader step then uses the example and sample kernels of the same build folder, if built).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

step() { printf '\n==> %s\n' "$*"; }

step "Installing dependencies (Debian packages, Python venv)"
bash scripts/install-deps.sh

if [[ -n "${KERNELS_DEMO_BIN:-}" ]]; then
  kernels="$KERNELS_DEMO_BIN"
else
  step "Configuring and building (preset: default, RelWithDebInfo)"
  cmake --preset default -DKERNELS_PYTHON="$repo_root/.venv/bin/python" >/dev/null
  cmake --build --preset default -j "$(nproc)"
  kernels="$repo_root/build/default/cli/kernels"
fi
"$kernels" --version

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export HF_HOME="$work/hf-home"  # keep the demo's cache out of the user's

step "Building a demo kernel (a real shared object and the Hub layout: build/<variant>/...)"
build="$work/relu-build"
for variant in torch210-cxx11-cpu-x86_64-linux torch-cpu; do
  mkdir -p "$build/build/$variant"
  cat >"$build/build/$variant/metadata.json" <<JSON
{"name": "relu", "id": "_relu_cpu_demo", "version": 1, "license": "Apache-2.0",
 "python-depends": [], "backend": {"type": "cpu"}}
JSON
  echo "from ._ops import ops" >"$build/build/$variant/__init__.py"
done
printf 'int relu_demo(int x) { return x > 0 ? x : 0; }\n' >"$work/relu.c"
cc -shared -fPIC -o "$build/build/torch210-cxx11-cpu-x86_64-linux/_relu_demo.abi3.so" "$work/relu.c"
echo "# relu (demo)" >"$build/README.md"
find "$build" -type f | sed "s|$build/|    |"

step "kernels mirror add: publish it as demo/relu, branch v1 and tag v1.0.0"
SOURCE_DATE_EPOCH=1767225600 "$kernels" mirror add "$build" --repo demo/relu --branch v1 --tag v1.0.0 \
  --mirror "$work/mirror" --trusted-publisher

build_dir="$(cd "$(dirname "$kernels")/.." && pwd)"
example="$build_dir/examples/kernelize/kernelize-example"
samples="$build_dir/kernels-src"
if [[ -x "$example" && -d "$samples/rms-norm/build" ]]; then
  step "kernels mirror add: the sample kernels activation and rms-norm (built from kernels-src/)"
  for kernel in activation rms-norm; do
    SOURCE_DATE_EPOCH=1767225600 "$kernels" mirror add "$samples/$kernel" --repo "samples/$kernel" \
      --branch v1 --tag v1.0.0 --mirror "$work/mirror" --trusted-publisher
  done
fi

step "kernels serve: a Hub-compatible server on 127.0.0.1"
"$kernels" serve "$work/mirror" >"$work/serve.url" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 50); do [[ -s "$work/serve.url" ]] && break; sleep 0.1; done
endpoint="$(head -n 1 "$work/serve.url")"
echo "    HF_ENDPOINT=$endpoint"
export HF_ENDPOINT="$endpoint"

project="$work/project"
mkdir -p "$project"
cat >"$project/kernels.toml" <<'TOML'
# A project that is not Python: the same table as pyproject.toml's [tool.kernels.dependencies].
[dependencies]
"demo/relu" = 1
TOML

step "kernels lock (project $project)"
"$kernels" --project "$project" lock
echo "--- kernels.lock"
cat "$project/kernels.lock"
echo

step "kernels lock --check (what CI runs: exit 0 when current, 3 when stale)"
"$kernels" --project "$project" lock --check

step "kernels info --system (what variant selection sees here)"
"$kernels" info --system || true

step "kernels download --all-variants (every file hashed while it streams, checked against the lock)"
"$kernels" --project "$project" download --all-variants

step "kernels download again: the verified markers make it a no-op (no request)"
"$kernels" --project "$project" download --all-variants

step "kernels check --lock --cache (CI: the lock is current and the cache intact, full re-hash)"
"$kernels" --project "$project" check --lock --cache --backend cpu

step "kernels check --abi demo/relu@1 (manylinux, Python abi3 and layout of every variant)"
"$kernels" check --abi demo/relu@1 --manylinux manylinux_2_34

step "kernels bundle export, then import into an empty cache with no network"
"$kernels" --project "$project" bundle export "$work/relu.tar.zst" --all-variants
KERNELS_CACHE="$work/offline-cache" HF_HUB_OFFLINE=1 "$kernels" --project "$project" bundle import "$work/relu.tar.zst"
KERNELS_CACHE="$work/offline-cache" HF_HUB_OFFLINE=1 "$kernels" --project "$project" download --all-variants

step "kernels cache list"
"$kernels" cache list

if [[ -x "$example" && -d "$samples/rms-norm/build" ]]; then
  model_project="$work/model-project"
  mkdir -p "$model_project"
  cp "$repo_root/examples/kernelize/kernels.toml" "$model_project/kernels.toml"
  step "kernels lock, download and check for a model project ($model_project/kernels.toml)"
  export VIRTUAL_ENV="$repo_root/.venv"  # the Torch the variants are chosen for
  "$kernels" --project "$model_project" lock
  "$kernels" --project "$model_project" download
  "$kernels" --project "$model_project" check

  step "The loader and kernelize: examples/kernelize loads the locked kernels (no network) into a
    model (embedding, RMSNorm, MLP with SiluAndMul) and compares it with the model without them"
  unset HF_ENDPOINT
  "$example" --project "$model_project"
  step "The same in training mode: backward runs through the kernels"
  "$example" --project "$model_project" --mode training
else
  step "The loader step is skipped: this build has no sample kernels (Torch not found)"
fi

step "Done."
