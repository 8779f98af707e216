"""Fixtures of the end-to-end tests: the sample kernels published to a local mirror, served,
locked, downloaded and checked by `kernels`, ready for the loader.

Environment (set by ctest, tests/CMakeLists.txt): KERNELS_BIN, KERNELIZE_EXAMPLE,
KERNELS_LOADER_LIB, KERNELS_SAMPLES_DIR (the build's kernels-src folder), KERNELS_VENV (the
project's virtual environment: the Torch that `kernels` and the loader describe the system with).
"""

import os
import subprocess
from pathlib import Path

import pytest

SAMPLES = ("activation", "rms-norm")

# The example model's own project config (kept beside it as documentation).
CONFIG = (Path(__file__).parents[2] / "examples" / "kernelize" / "kernels.toml").read_text()


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "KERNELS_CACHE"))}
    env["VIRTUAL_ENV"] = os.environ["KERNELS_VENV"]
    env.pop("USE_HUB_KERNELS", None)
    env.pop("LOCAL_KERNELS", None)
    env.update(extra)
    return env


def run(*args, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory):
    """mirror add -> serve -> lock -> download -> check; yields the project, cache and env."""
    kernels = os.environ["KERNELS_BIN"]
    work = tmp_path_factory.mktemp("e2e")
    samples = Path(os.environ["KERNELS_SAMPLES_DIR"])
    base = _env()
    for kernel in SAMPLES:
        run(kernels, "mirror", "add", str(samples / kernel), "--repo", f"samples/{kernel}",
            "--branch", "v1", "--tag", "v1.0.0", "--mirror", str(work / "mirror"),
            "--trusted-publisher", env=base)
    server = subprocess.Popen([kernels, "serve", str(work / "mirror")], env=base,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        endpoint = server.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:"), endpoint
        project = work / "project"
        project.mkdir()
        (project / "kernels.toml").write_text(CONFIG)
        env = _env(HF_ENDPOINT=endpoint, KERNELS_CACHE=str(work / "cache"))
        run(kernels, "--project", str(project), "lock", env=env)
        run(kernels, "--project", str(project), "download", env=env)
        run(kernels, "--project", str(project), "check", env=env)
        yield {"project": project, "cache": work / "cache", "env": env, "work": work}
    finally:
        server.kill()
        server.wait()


