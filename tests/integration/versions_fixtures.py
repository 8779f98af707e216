"""Kernel builds with chosen variants, mirrors of them, and a fake Torch for `kernels versions`
and `kernels info`."""

import json
import platform
from pathlib import Path

from mirror_fixtures import DATE, write
from test_cli_system_and_cache_dir import make_fake_torch

# The CPU variant names are for this machine and for the other common CPU, so that one is chosen
# and the other rejected for its CPU whatever the machine is.
HOST_CPU = {"arm64": "aarch64", "AMD64": "x86_64", "amd64": "x86_64"}.get(platform.machine(), platform.machine())
OTHER_CPU = "aarch64" if HOST_CPU != "aarch64" else "x86_64"
HOST_VARIANT = f"torch210-cxx11-cpu-{HOST_CPU}-linux"
OTHER_VARIANT = f"torch210-cxx11-cpu-{OTHER_CPU}-linux"
CUDA_VARIANT = "torch210-cxx11-cu128-x86_64-linux"
VARIANTS = (HOST_VARIANT, OTHER_VARIANT, CUDA_VARIANT, "torch-cpu")


def make_variants_build(root: Path, name: str, label: str, variants=VARIANTS, upstream=None) -> dict:
    """A build folder with one metadata.json per variant; `label` makes each build different."""
    files = {"README.md": f"# {name} {label}\n".encode()}
    for variant in variants:
        backend = "cuda" if "-cu" in variant else "cpu"
        metadata = {"name": name, "id": f"_{name}_{backend}_{label}", "version": 1, "license": "Apache-2.0",
                    "python-depends": ["torch"], "kernel-depends": [{"repo-id": "org/base", "version": 2}],
                    "backend": {"type": backend}}
        if upstream:
            metadata["upstream"] = upstream
        files[f"build/{variant}/metadata.json"] = json.dumps(metadata).encode()
        files[f"build/{variant}/__init__.py"] = f"# {name} {label}\n".encode()
    for relative, data in files.items():
        write(root, relative, data)
    return files


def add_build(kernels, tmp_path: Path, mirror_dir: Path, repo: str, label: str, *args: str,
              variants=VARIANTS) -> str:
    """Adds a build to the mirror (args: --tag, --branch) and returns its commit."""
    build = tmp_path / f"build-{repo.replace('/', '-')}-{label}"
    make_variants_build(build, repo.split("/")[1], label, variants)
    result = kernels("mirror", "add", str(build), "--repo", repo, "--mirror", str(mirror_dir), *args,
                     env={"SOURCE_DATE_EPOCH": DATE})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def cpu_system_args(tmp_path: Path, torch_version: str = "2.10.0+cu128") -> list:
    """--torch for a CUDA 12.8 Torch of this version, and --backend cpu."""
    root = tmp_path / f"torch-{torch_version}"
    torch = root / "site-packages" / "torch"
    if not torch.exists():
        torch = make_fake_torch(root, version=torch_version)
    return ["--torch", str(torch), "--backend", "cpu"]
