"""The built kernels through the reference tool: `kernels mirror add` puts each kernel's
build/ folder into a mirror, `kernels serve` serves it, and the reference's get_kernel(...,
version=1) and kernelize (reference_client.py, in a fresh process) use it on the CPU."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mirror_fixtures import serve  # noqa: F401  (fixture)

from conftest import KERNELS, built_variants, samples_dir

ORG = "kernels-test"


@pytest.fixture
def mirror(tmp_path, kernels_bin):
    directory = tmp_path / "mirror"
    for kernel in KERNELS:
        staging = tmp_path / "staging" / kernel
        shutil.copytree(samples_dir() / kernel / "build", staging / "build")
        result = subprocess.run(
            [kernels_bin, "mirror", "add", str(staging), "--repo", f"{ORG}/{kernel}", "--branch",
             "v1", "--tag", "v1.0.0", "--mirror", str(directory), "--trusted-publisher"],
            capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
        assert result.returncode == 0, result.stderr
    return directory


def run_client(served_url: str, home: Path, backend: str):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "KERNELS_"))}
    # Not HF_HUB_DISABLE_TELEMETRY: kernels 0.17.2 then sends a User-Agent ending in "; ", which
    # httpx refuses before the request leaves the process.
    environment.update({"HF_ENDPOINT": served_url, "HF_HOME": str(home)})
    script = Path(__file__).with_name("reference_client.py")
    return subprocess.run([sys.executable, str(script), ORG, backend], capture_output=True,
                          text=True, env=environment, timeout=600)


@pytest.mark.parametrize("backend", ["auto", "cpu"])
def test_reference_get_kernel_and_kernelize(mirror, serve, tmp_path, backend):  # noqa: F811
    import torch

    if backend == "auto" and torch.version.cuda and "cuda" not in built_variants("relu"):
        pytest.skip("torch is a CUDA build, so get_kernel wants the CUDA variant, not built here")
    served = serve(mirror)
    result = run_client(served.url, tmp_path / "hf-home", backend)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ops match torch" in result.stdout
    if backend == "auto":
        assert "kernelize inference: replaced and equal" in result.stdout
        assert "kernelize training: replaced, gradients equal" in result.stdout
        assert "fusion: RMSNormMLP replaced and equal" in result.stdout
