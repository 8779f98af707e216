#!/usr/bin/env bash
# Prepares, on a CPU machine, what scripts/gpu-kernelize.sh runs on a GPU machine: the sample
# kernels (CPU and CUDA variants) published to a mirror, served, locked and downloaded, with the
# kernelize example and its libraries beside them. The GPU machine then needs no compiler, no
# libcurl and no network.
#
#   bash scripts/gpu-kernelize-bundle.sh [BUILD [BUNDLE]]
#
# BUILD (default build/ci) is a configured and built tree with Torch and nvcc found (the targets
# kernelize_example and the samples' cuda layouts); BUNDLE (default build/gpu-e2e) receives bin/,
# lib/, project/ (the fused RMSNormMLP layer on), project-unfused/ (RMSNormMLP = "") and
# cache.tar. It is small enough to carry to the GPU machine.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$repo_root/build/ci}" && pwd)"
bundle="${2:-$repo_root/build/gpu-e2e}"
kernels="$build/cli/kernels"
samples="$build/kernels-src"
for needed in "$kernels" "$build/examples/kernelize/kernelize-example" \
  "$samples/rms-norm/build"/*-cu*-x86_64-linux; do
  if [[ ! -e "$needed" ]]; then
    echo "gpu-kernelize-bundle: $needed is missing; build $build with Torch and nvcc first" >&2
    exit 1
  fi
done

rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/project"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The Hub, the cache and the Torch that describe this system come from the environment: drop
# what could point elsewhere.
unset HF_ENDPOINT HF_TOKEN HF_HUB_OFFLINE KERNELS_CACHE USE_HUB_KERNELS LOCAL_KERNELS
export VIRTUAL_ENV="${KERNELS_VENV:-$repo_root/.venv}"  # its torch 2.11 names this system's variants
for kernel in activation rms-norm; do
  "$kernels" mirror add "$samples/$kernel" --repo "samples/$kernel" --branch v1 --tag v1.0.0 \
    --mirror "$work/mirror" --trusted-publisher >/dev/null
done
"$kernels" serve "$work/mirror" >"$work/endpoint" 2>/dev/null &
server_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/endpoint" ]] && break
  sleep 0.1
done
export HF_ENDPOINT="$(head -1 "$work/endpoint")"
export KERNELS_CACHE="$work/cache"

cp "$repo_root/examples/kernelize/kernels.toml" "$bundle/project/kernels.toml"
"$kernels" --project "$bundle/project" lock
"$kernels" --project "$bundle/project" download --all-variants
"$kernels" --project "$bundle/project" check --lock --cache
cp -r "$bundle/project" "$bundle/project-unfused"
sed -i 's|^RMSNormMLP = .*|RMSNormMLP = ""|' "$bundle/project-unfused/kernels.toml"

tar cf "$bundle/cache.tar" -C "$work" cache
cp "$build/examples/kernelize/kernelize-example" "$bundle/bin/"
cp -P "$build"/lib/loader/libkernels-loader.so* "$build"/lib/torch/libkernels-torch.so* "$bundle/lib/"
# Debian's libraries the example needs that a GPU machine's distribution may lack (toml++ for
# the project config); glibc, libstdc++ and OpenSSL 3 are everywhere.
for library in $(ldd "$bundle/bin/kernelize-example" | awk '/tomlplusplus/ { print $3 }'); do
  cp -L "$library" "$bundle/lib/"
done
# Debug information is most of their size and the GPU machine does not need it.
strip --strip-debug "$bundle/bin/kernelize-example" "$bundle"/lib/*.so.*.*
du -sh "$bundle"
