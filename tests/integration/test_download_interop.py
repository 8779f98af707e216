"""The cache is shared with the reference tool (kernels 0.17.2 and its huggingface_hub): what we
download, it finds offline; what it downloads, we find offline with zero requests and verify.
kernels 0.17.2 needs torch to pick or import a variant, which the test machine may not have; the
strongest check without it is huggingface_hub's own offline lookup, the call kernels makes
(snapshot_download with local_files_only=True, repo_type "kernel", the cache in KERNELS_CACHE),
plus the reference's `kernels download --all-variants`, which needs no torch."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from download_fixtures import request_lines, setup  # noqa: F401 (fixture)
from lock_fixtures import VARIANTS, reference_bin
from mirror_fixtures import serve  # noqa: F401 (fixture)

CURRENT = reference_bin("KERNELS_REFERENCE_BIN")
needs_reference = pytest.mark.skipif(CURRENT is None, reason="reference kernels 0.17 not installed")


def reference_python() -> str:
    return str(Path(CURRENT).parent / "python")


def reference_env(setup, **extra):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "KERNELS_CACHE"))}
    environment.update({"HF_ENDPOINT": setup.server.url, "HF_HOME": str(setup.tmp_path / "hf-ref"),
                        "KERNELS_CACHE": str(setup.cache)})
    environment.update(extra)
    return environment


OFFLINE_LOOKUP = """
import json, sys
from pathlib import Path
from huggingface_hub import snapshot_download
from kernels.hf_hub import CACHE_DIR
from kernels.resolver import _BYTECODE_IGNORE_PATTERNS
repo, commit = sys.argv[1], sys.argv[2]
path = Path(snapshot_download(repo, repo_type="kernel", revision=commit, cache_dir=CACHE_DIR,
                              local_files_only=True, ignore_patterns=_BYTECODE_IGNORE_PATTERNS))
files = {str(p.relative_to(path)): p.read_bytes().hex() for p in path.rglob("*") if p.is_file()}
print(json.dumps({"path": str(path), "files": files}))
"""


@needs_reference
def test_the_reference_finds_our_download_offline(setup):
    setup.lock("--format", "commits")
    result = setup.run("download", "--all-variants")
    assert result.returncode == 0, result.stderr
    for repo in ("org/relu", "org/act"):
        lookup = subprocess.run([reference_python(), "-c", OFFLINE_LOOKUP, repo, setup.commit(repo)],
                                env=reference_env(setup, HF_HUB_OFFLINE="1"), capture_output=True, text=True)
        assert lookup.returncode == 0, lookup.stderr
        found = json.loads(lookup.stdout)
        assert Path(found["path"]) == setup.snapshot(repo)
        expected = {path: data.hex() for path, data in setup.files[repo].items()
                    if path.startswith("build/") and "__pycache__" not in path}
        assert found["files"] == expected


@needs_reference
def test_we_find_the_reference_download_offline_and_verify_it(setup):
    setup.lock("--format", "commits")
    reference = subprocess.run([CURRENT, "download", str(setup.project), "--all-variants"],
                               env=reference_env(setup), capture_output=True, text=True)
    assert reference.returncode == 0, reference.stderr
    before = len(request_lines(setup.server))
    ours = setup.run("--offline", "download", "--all-variants", "--json")
    assert ours.returncode == 0, ours.stderr
    states = {(v["repo_id"], v["variant"]): v["state"] for v in json.loads(ours.stdout)["variants"]}
    assert set(states) == {(repo, variant) for repo in ("org/relu", "org/act") for variant in VARIANTS}
    check = setup.run("check", "--cache", "--backend", "cpu")
    assert check.returncode == 0, check.stderr
    assert len(request_lines(setup.server)) == before
    for repo in ("org/relu", "org/act"):
        setup.check_files(repo, VARIANTS)
