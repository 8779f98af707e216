"""End to end: the sample kernels go through `kernels mirror add`, `kernels serve`, `kernels lock`,
`kernels download` and `kernels check`, then the kernelize example (examples/kernelize) loads them
from kernels.lock and the cache into a small libtorch model and checks it against the model
without kernels.
"""

import os
import shutil
import subprocess
from pathlib import Path

from conftest import run

LAYERS = 7  # three RMSNorm, two SiluAndMul and two fused RMSNormMLP blocks in the example's model


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
    assert "layer blocks.0 (RMSNormMLP): samples/rms-norm:RMSNormMLP" in result.stdout
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
    assert f"kernelized 4 of {LAYERS} layers" in result.stdout
    assert "own forward, disabled in the kernel mapping" in result.stdout


def test_unfused_blocks_run_their_children_kernelized(pipeline, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(pipeline["project"], project)
    config = (project / "kernels.toml").read_text()
    config = config.replace('RMSNormMLP = "samples/rms-norm:RMSNormMLP"', 'RMSNormMLP = ""')
    (project / "kernels.toml").write_text(config)
    env = dict(pipeline["env"])
    for mode in ("inference", "training"):
        result = run(os.environ["KERNELIZE_EXAMPLE"], "--project", str(project), "--mode", mode,
                     env=env, check=True)
        assert f"kernelized 5 of {LAYERS} layers" in result.stdout
        assert "layer blocks.1 (RMSNormMLP): own forward, disabled" in result.stdout
        assert "layer blocks.1.norm (RMSNorm): samples/rms-norm:RMSNorm" in result.stdout
        assert "match the model without kernels" in result.stdout


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
