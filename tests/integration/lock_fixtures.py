"""Kernel builds, mirrors and projects for the `kernels lock` tests."""

import hashlib
import json
import os
from pathlib import Path

from mirror_fixtures import DATE, git_blob_id, write

LFS_SUFFIXES = (".so", ".dylib", ".dll", ".metallib")
VARIANTS = ("torch210-cxx11-cpu-x86_64-linux", "torch210-cxx11-cu128-x86_64-linux", "torch-cpu")


def make_kernel_build(root: Path, name: str, label: str, bytecode: bool = True,
                      kernel_depends: dict | None = None) -> dict:
    """A build folder as kernel-builder lays it out; `label` makes each build's bytes different.
    `bytecode` adds a __pycache__ file, which the variant hash skips (kernels >= 0.16 do; 0.13
    still hashed it, so tests against 0.13 leave it out). `kernel_depends` maps a variant name to
    the "kernel-depends" list of its metadata.json (variants not named get none)."""
    files = {"README.md": f"# {name} {label}\n".encode()}
    for variant in VARIANTS:
        backend = "cuda" if "cu128" in variant else "cpu"
        metadata = {"name": name, "id": f"_{name}_{backend}_{label}", "version": 1, "license": "Apache-2.0",
                    "python-depends": [], "backend": {"type": backend}}
        if kernel_depends and variant in kernel_depends:
            metadata["kernel-depends"] = kernel_depends[variant]
        files[f"build/{variant}/metadata.json"] = json.dumps(metadata).encode()
        files[f"build/{variant}/__init__.py"] = f"# {name} {label}\nfrom ._ops import ops\n".encode()
        if bytecode:
            files[f"build/{variant}/__pycache__/x.cpython-311.pyc"] = b"bytecode is never hashed"
        if variant != "torch-cpu":
            files[f"build/{variant}/_{name}_{label}.abi3.so"] = b"\x7fELF" + label.encode() * 100
    for relative, data in files.items():
        write(root, relative, data)
    return files


def expected_variant_hashes(files: dict) -> dict:
    """git_lfs_concat, written from the spec independently of the C++ code."""
    per_variant = {}
    for path, data in files.items():
        parts = path.split("/")
        if len(parts) < 3 or parts[0] != "build" or not parts[1].startswith("torch"):
            continue
        if path.endswith(".pyc") or "__pycache__" in parts:
            continue
        lfs = path.endswith(LFS_SUFFIXES) or len(data) > 10 * 1024 * 1024
        digest = hashlib.sha256(data).digest() if lfs else bytes.fromhex(git_blob_id(data))
        per_variant.setdefault(parts[1], []).append(("/".join(parts[2:]).encode(), digest))
    hashes = {}
    for variant, entries in per_variant.items():
        hasher = hashlib.sha256()
        for name, digest in sorted(entries):
            hasher.update(name)
            hasher.update(digest)
        hashes[variant] = "sha256-" + hasher.hexdigest()
    return hashes


def add(kernels, tmp_path: Path, mirror_dir: Path, repo: str, label: str, *args: str,
        bytecode: bool = True, kernel_depends: dict | None = None) -> tuple:
    build = tmp_path / f"build-{repo.replace('/', '-')}-{label}"
    files = make_kernel_build(build, repo.split("/")[1], label, bytecode, kernel_depends)
    result = kernels("mirror", "add", str(build), "--repo", repo, "--mirror", str(mirror_dir), *args,
                     env={"SOURCE_DATE_EPOCH": DATE})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip(), files


def project(root: Path, dependencies: str, file_name: str = "pyproject.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    table = "[tool.kernels.dependencies]" if file_name == "pyproject.toml" else "[dependencies]"
    (root / file_name).write_text(f"{table}\n{dependencies}")
    return root


def reference_bin(variable: str) -> str | None:
    path = os.environ.get(variable)
    return path if path and os.access(path, os.X_OK) else None
