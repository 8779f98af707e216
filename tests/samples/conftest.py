"""Fixtures for the sample kernels' tests: where the built variants are, and loading them.

Environment (set by ctest, see tests/CMakeLists.txt): KERNELS_SAMPLES_DIR, the build's
kernels-src folder holding <kernel>/build/<variant>/; KERNELS_BIN, the `kernels` binary;
KERNELS_SOURCE_DIR, the repository. KERNELS_SAMPLES_DEVICE (cpu or cuda, default: cpu, plus cuda
when a GPU is there) picks the devices the op tests run on.
"""

import importlib.util
import os
import platform
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))

KERNELS = {"relu": "relu", "activation": "activation", "rms-norm": "rms_norm"}


def samples_dir() -> Path:
    path = os.environ.get("KERNELS_SAMPLES_DIR")
    if not path:
        pytest.exit("KERNELS_SAMPLES_DIR is not set; run the tests through ctest", returncode=2)
    return Path(path)


def source_dir() -> Path:
    return Path(os.environ.get("KERNELS_SOURCE_DIR", Path(__file__).resolve().parents[2]))


def expected_variants() -> dict[str, str]:
    """The variant names this Torch should have produced, by backend (kernels-spec.md 5.1)."""
    major, minor = torch.__version__.split("+")[0].split(".")[:2]
    abi = "cxx11" if torch._C._GLIBCXX_USE_CXX11_ABI else "cxx98"
    machine = platform.machine()
    framework = f"torch{major}{minor}-{abi}"
    variants = {"cpu": f"{framework}-cpu-{machine}-linux"}
    if torch.version.cuda:
        cuda = "".join(torch.version.cuda.split(".")[:2])
        variants["cuda"] = f"{framework}-cu{cuda}-{machine}-linux"
    return variants


def built_variants(kernel: str) -> dict[str, Path]:
    """backend -> build/<variant> folder of the variants that were built."""
    build = samples_dir() / kernel / "build"
    return {
        backend: build / name
        for backend, name in expected_variants().items()
        if (build / name).is_dir()
    }


_loaded: dict[Path, object] = {}


def load_variant(variant_dir: Path):
    """Imports a variant's package as the reference loader does (module name = metadata id)."""
    if variant_dir in _loaded:
        return _loaded[variant_dir]
    import json

    module_id = json.loads((variant_dir / "metadata.json").read_text())["id"]
    spec = importlib.util.spec_from_file_location(module_id, variant_dir / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_id] = module
    spec.loader.exec_module(module)
    _loaded[variant_dir] = module
    return module


def devices() -> list[str]:
    chosen = os.environ.get("KERNELS_SAMPLES_DEVICE")
    if chosen:
        return chosen.split(",")
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def kernel_for(kernel: str, device: str):
    """The loaded variant that serves `device`: the CUDA variant for cuda, else the CPU one."""
    variants = built_variants(kernel)
    backend = "cuda" if device == "cuda" else "cpu"
    if backend not in variants:
        pytest.skip(f"{kernel}: no {backend} variant was built")
    return load_variant(variants[backend])


@pytest.fixture
def kernels_bin() -> str:
    path = os.environ.get("KERNELS_BIN")
    if not path:
        pytest.skip("KERNELS_BIN is not set")
    return path
