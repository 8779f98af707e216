#!/usr/bin/env bash
# Installs everything the build and the tests need on a Debian 12 machine, as root:
# Debian packages with apt-get, and Python packages with pip into ./.venv.
# Idempotent: when everything is there already it checks and returns in about a second.
#
#   bash scripts/install-deps.sh            build + test dependencies
#
# Environment: KERNELS_VENV (default: <repo>/.venv) is where the Python packages go.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${KERNELS_VENV:-$repo_root/.venv}"

# Build tools and the C++ libraries of DESIGN.md ("Dependencies"), all from Debian 12.
apt_packages=(
  build-essential cmake ninja-build pkg-config git clang-format
  libssl-dev libcurl4-openssl-dev libarchive-dev libelf-dev
  nlohmann-json3-dev libtomlplusplus-dev libexpected-dev libcli11-dev
  libspdlog-dev libfmt-dev libcpp-httplib-dev doctest-dev
  python3 python3-venv python3-pip curl
  # Shells that the completion scripts are tested in, and the man page generator.
  zsh fish help2man
  # Packaging (cpack -G DEB: dpkg-shlibdeps, and file to find the ELF files; tests/packaging).
  dpkg-dev file
  # libFuzzer and the sanitizers' runtime for the fuzz targets (scripts/fuzz.sh).
  clang-14 libclang-rt-14-dev
  # nghttpd, the HTTP/2 server the HTTP client's HTTP/2 test talks to.
  nghttp2-server
  # Python.h, for the abi3 extension that tests/integration/test_check_abi.py compiles.
  python3-dev
)

# Python packages for the integration tests (pytest drives the built binary).
pip_packages=(
  "pytest>=7,<9"
  # The real Hub client, driven against `kernels serve` (kernel repo type since 1.10).
  "huggingface_hub>=1.10,<3"
  # The reference tool, for the interoperability tests (same lockfile bytes, same cache).
  "kernels==0.17.2"
  # Validates the files the tool writes against schemas/ (JSON Schema draft 2020-12), and the
  # sample kernels' layers.json against schemas/layer-table.schema.json.
  "jsonschema>=4.18,<5"
  # libtorch for the sample kernels (kernels-src/) and their tests; the same version as the GPU
  # machine's. From PyPI only: the default wheel is the CUDA 13.0 build and pulls the CUDA runtime
  # wheels (measured: about 3 minutes and 4.5 GB of disk on a fresh venv).
  "torch==2.11.0"
  # torch warns at import without it.
  "numpy>=1.26"
  # Judges the same ELF files' manylinux policy as `kernels check --abi` (interoperability test).
  "auditwheel>=6,<7"
)

# The last reference release that read version specifier strings ("org/x" = ">=1.2,<2") and wrote
# the repo_id/sha/variants lockfile; it needs huggingface_hub < 2, hence a venv of its own.
legacy_venv="${KERNELS_LEGACY_VENV:-$repo_root/.venv-kernels-0.13}"
legacy_pip_packages=("kernels==0.13.0")

missing=()
for package in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The venv must use a Python that has the venv module; Debian's python3 does after python3-venv.
if [[ ! -x "$venv/bin/python" ]]; then
  echo "install-deps: creating Python virtual environment $venv"
  python3 -m venv "$venv"
fi
# Checked by version, not by import: a venv from an older checkout must get the pinned versions.
if ! "$venv/bin/python" - "${pip_packages[@]}" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
from packaging.requirements import Requirement
for text in sys.argv[1:]:
    requirement = Requirement(text)
    try:
        installed = version(requirement.name)
    except PackageNotFoundError:
        sys.exit(1)
    if not requirement.specifier.contains(installed, prereleases=True):
        sys.exit(1)
PY
then
  echo "install-deps: installing Python packages: ${pip_packages[*]}"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${pip_packages[@]}"
fi
if [[ ! -x "$legacy_venv/bin/kernels" ]]; then
  echo "install-deps: creating $legacy_venv with ${legacy_pip_packages[*]}"
  python3 -m venv "$legacy_venv"
  "$legacy_venv/bin/python" -m pip install -q --disable-pip-version-check "${legacy_pip_packages[@]}"
fi
echo "install-deps: all dependencies present"
