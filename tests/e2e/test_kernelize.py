"""End to end: the sample kernels go through `kernels mirror add`, `kernels serve`, `kernels lock`,
`kernels download` and `kernels check`, then the kernelize example (examples/kernelize) loads them
from kernels.lock and the cache into a small libtorch model and checks it against the model
without kernels.

Environment (set by ctest, tests/CMakeLists.txt): KERNELS_BIN, KERNELIZE_EXAMPLE,
KERNELS_SAMPLES_DIR (the build's kernels-src folder), KERNELS_VENV (the project's virtual
environment: the Torch that `kernels` and the loader describe the system with).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SAMPLES = ("activation", "rms-norm")
LAYERS = 5  # three RMSNorm, two SiluAndMul in the example's model

CONFIG = """[dependencies]
"samples/activation" = 1
"samples/rms-norm" = 1

[layers]
RMSNorm = { cpu = "samples/rms-norm:RMSNorm", cuda = "samples/rms-norm:RMSNorm" }
SiluAndMul = "samples/activation:SiluAndMul"
"""


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


@pytest.fixture(scope="module")
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


def example(pipeline, *args, check=False, **env_extra) -> subprocess.CompletedProcess:
    env = dict(pipeline["env"])
    env.pop("HF_ENDPOINT")  # the loader never touches the network
    env.update(env_extra)
    return run(os.environ["KERNELIZE_EXAMPLE"], "--project", str(pipeline["project"]), *args,
               env=env, check=check)


def test_inference_matches_the_model_without_kernels(pipeline):
    result = example(pipeline, check=True)
    assert f"kernelized {LAYERS} of {LAYERS} layers" in result.stdout
    assert "samples/rms-norm:RMSNorm" in result.stdout
    assert "samples/activation:SiluAndMul" in result.stdout
    assert "inference: outputs match" in result.stdout
    assert "identical to the model without kernels" in result.stdout
    assert "verified (marker)" in result.stderr


def test_training_runs_backward_through_the_kernels(pipeline):
    result = example(pipeline, "--mode", "training", check=True)
    assert f"kernelized {LAYERS} of {LAYERS} layers" in result.stdout, result.stderr
    assert "training: gradients match" in result.stdout


def test_full_verification_rehashes(pipeline):
    result = example(pipeline, "--verify-full", check=True)
    assert "re-hashing every file" in result.stderr
    assert "verified (full)" in result.stderr


def test_use_hub_kernels_off_keeps_every_forward(pipeline):
    result = example(pipeline, check=True, USE_HUB_KERNELS="0")
    assert f"kernelized 0 of {LAYERS} layers" in result.stdout
    assert "turned off by USE_HUB_KERNELS" in result.stdout


def test_a_layer_disabled_in_the_config_keeps_its_forward(pipeline, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(pipeline["project"], project)
    config = (project / "kernels.toml").read_text()
    config = config.replace('RMSNorm = { cpu = "samples/rms-norm:RMSNorm", cuda = '
                            '"samples/rms-norm:RMSNorm" }', 'RMSNorm = ""')
    (project / "kernels.toml").write_text(config)
    env = dict(pipeline["env"])
    result = run(os.environ["KERNELIZE_EXAMPLE"], "--project", str(project), env=env)
    assert "kernelized 2 of 5 layers" in result.stdout
    assert "own forward, disabled in the kernel mapping" in result.stdout


def test_a_tampered_cache_fails_with_the_integrity_error(pipeline, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(pipeline["cache"], cache, symlinks=True)
    # Flip a byte of every shared object of rms-norm: whichever variant is chosen is tampered.
    tampered = 0
    for library in (cache / "kernels--samples--rms-norm" / "snapshots").rglob("*.so"):
        blob = library.resolve()
        data = bytearray(blob.read_bytes())
        data[len(data) // 2] ^= 0xFF
        blob.chmod(0o644)
        blob.write_bytes(bytes(data))
        os.utime(blob, ns=(blob.stat().st_atime_ns, blob.stat().st_mtime_ns))
        tampered += 1
    assert tampered > 0
    result = example(pipeline, "--verify-full", KERNELS_CACHE=str(cache))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "samples/rms-norm" in result.stderr
    assert "kernels download" in result.stderr
    # The marker alone also catches it when the blob's size or mtime changed (a rewrite).
    result = example(pipeline, KERNELS_CACHE=str(cache))
    assert result.returncode == 4, result.stdout + result.stderr


def test_a_variant_that_was_not_downloaded_names_the_fix(pipeline, tmp_path):
    result = example(pipeline, KERNELS_CACHE=str(tmp_path / "empty-cache"))
    assert result.returncode == 6, result.stdout + result.stderr
    assert "not downloaded" in result.stderr
    assert "run `kernels download`" in result.stderr


def test_local_kernels_load_a_development_build(pipeline):
    samples = Path(os.environ["KERNELS_SAMPLES_DIR"])
    local = f"samples/rms-norm={samples / 'rms-norm'}"
    result = example(pipeline, check=True, LOCAL_KERNELS=local)
    assert "LOCAL_KERNELS" in result.stderr and "not verified" in result.stderr
    assert f"kernelized {LAYERS} of {LAYERS} layers" in result.stdout
