"""The real client, huggingface_hub, against `kernels serve` (skipped when it is not installed)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mirror_fixtures import ELF, VARIANT, mirror, serve  # noqa: F401 (fixtures)


HF_PROBE = textwrap.dedent("""
    import json, sys
    from huggingface_hub import HfApi, hf_hub_download, snapshot_download
    from huggingface_hub.errors import EntryNotFoundError, RevisionNotFoundError
    endpoint, cache, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    api = HfApi(endpoint=endpoint)
    out = {}
    repo, repo_type, name = ("org/relu", "kernel", "build/%s/relu/_relu_abc.abi3.so" % sys.argv[4]) \\
        if kind == "kernel" else ("org/model", "model", "model.safetensors")
    refs = api.list_repo_refs(repo, repo_type=repo_type)
    out["branches"] = sorted(b.name for b in refs.branches)
    out["tags"] = sorted(t.name for t in refs.tags)
    tree = api.list_repo_tree(repo, repo_type=repo_type, recursive=True)
    out["files"] = sorted(e.path for e in tree if hasattr(e, "blob_id"))
    out["lfs"] = sorted(e.path for e in tree if getattr(e, "lfs", None))
    out["sha"] = api.repo_info(repo, repo_type=repo_type, revision="v1").sha if kind == "kernel" else None
    path = hf_hub_download(repo, name, repo_type=repo_type, cache_dir=cache, endpoint=endpoint)
    out["download"] = path
    try:
        hf_hub_download(repo, "kernel-status.toml", repo_type=repo_type, cache_dir=cache, endpoint=endpoint)
        out["missing"] = "found"
    except EntryNotFoundError:
        out["missing"] = "EntryNotFound"
    try:
        api.list_repo_tree(repo, repo_type=repo_type, revision="v99")
        list(api.list_repo_tree(repo, repo_type=repo_type, revision="v99"))
        out["bad_revision"] = "found"
    except RevisionNotFoundError:
        out["bad_revision"] = "RevisionNotFound"
    out["snapshot"] = snapshot_download(repo, repo_type=repo_type, cache_dir=cache, endpoint=endpoint)
    print(json.dumps(out))
""")


@pytest.mark.parametrize("kind", ["model", "kernel"])
def test_huggingface_hub_client_works_against_the_mirror(mirror, serve, tmp_path, kind):
    huggingface_hub = pytest.importorskip("huggingface_hub")
    from huggingface_hub import constants

    if kind == "kernel" and "kernel" not in getattr(constants, "REPO_TYPES_WITH_KERNEL", []):
        pytest.skip(f"huggingface_hub {huggingface_hub.__version__} has no kernel repo type")
    served = serve(mirror["dir"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update({"HF_ENDPOINT": served.url, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_DISABLE_TELEMETRY": "1"})
    cache = tmp_path / "cache"
    result = subprocess.run([sys.executable, "-c", HF_PROBE, served.url, str(cache), kind, VARIANT],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    if kind == "kernel":
        assert out["branches"] == ["main", "v1"] and out["tags"] == ["v1.0.0", "v1.1.0"]
        assert out["sha"] == mirror["second"]
        assert set(out["files"]) == set(mirror["files"])
        assert Path(out["download"]).read_bytes() == ELF
        snapshot = Path(out["snapshot"])
        assert snapshot.name == mirror["second"]
        for relative, data in mirror["files"].items():
            assert (snapshot / relative).read_bytes() == data, relative
    else:
        assert out["branches"] == ["main"]
        assert set(out["files"]) == set(mirror["model_files"])
        assert Path(out["download"]).read_bytes() == mirror["model_files"]["model.safetensors"]
        assert Path(out["snapshot"]).name == mirror["model"]
    assert out["missing"] == "EntryNotFound"
    assert out["bad_revision"] == "RevisionNotFound"
