"""Shared fixtures for the integration tests: the built binary and a way to run it."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str


def _binary() -> Path:
    path = os.environ.get("KERNELS_BIN")
    if not path:
        pytest.exit("KERNELS_BIN is not set; run the tests through ctest", returncode=2)
    return Path(path)


@pytest.fixture
def kernels(tmp_path):
    """Runs the `kernels` binary in a fresh directory with a private cache and HF_HOME."""

    def run(*args, cwd=None, env=None, input=None):
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("HF_", "KERNELS_CACHE"))
        }
        environment["HF_HOME"] = str(tmp_path / "hf-home")
        environment.update(env or {})
        result = subprocess.run(
            [str(_binary()), *args],
            cwd=cwd or tmp_path,
            env=environment,
            input=input,
            capture_output=True,
            text=True,
            timeout=None,
        )
        return Completed(result.returncode, result.stdout, result.stderr)

    return run


@pytest.fixture
def fixtures_dir() -> Path:
    return Path(os.environ["KERNELS_FIXTURES_DIR"])
