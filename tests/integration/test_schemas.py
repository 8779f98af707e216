"""schemas/: the JSON Schemas accept every file the tool writes and the reference's fixtures, and
reject malformed documents."""

import copy
import json
import tomllib
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from lock_fixtures import VARIANTS, add, make_kernel_build, project
from mirror_fixtures import serve  # noqa: F401  (pytest fixture)

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SHA = "d649efb56fb249ac8f7a57fa1866728ad0c60e52"
HASH = "sha256-" + "0b" * 32


def _registry() -> Registry:
    # The schemas refer to each other by file name ("kernels.toml.schema.json#/$defs/..."), as an
    # editor that loads them from the folder resolves them.
    resources = [(path.name, Resource.from_contents(json.loads(path.read_text())))
                 for path in SCHEMAS.glob("*.schema.json")]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(REGISTRY[name].contents, registry=REGISTRY)


def errors(name: str, document) -> list[str]:
    return [error.message for error in validator(name).iter_errors(document)]


def tool_kernels(pyproject: Path):
    return tomllib.loads(pyproject.read_text())["tool"]["kernels"]


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.schema.json")), ids=lambda path: path.name)
def test_each_schema_is_a_valid_draft_2020_12_schema(path):
    schema = json.loads(path.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_the_reference_fixtures_are_valid(fixtures_dir):
    locks = sorted(fixtures_dir.glob("reference-locks/*/kernels.lock"))
    pyprojects = sorted(fixtures_dir.glob("reference-locks/*/pyproject.toml"))
    assert locks and pyprojects
    for path in locks:
        assert errors("kernels.lock.schema.json", json.loads(path.read_text())) == [], path
    for path in pyprojects:
        assert errors("pyproject-tool-kernels.schema.json", tool_kernels(path)) == [], path


@pytest.fixture
def hub(kernels, tmp_path):
    mirror = tmp_path / "mirror"
    add(kernels, tmp_path, mirror, "org/relu", "a1", "--tag", "v1.0.0", "--branch", "v1")
    add(kernels, tmp_path, mirror, "org/act", "c0", "--tag", "v0.1.0", "--branch", "v0")
    return mirror


@pytest.mark.parametrize("lock_format, config", [
    ("hashes", '"org/relu" = 1\n"org/act" = ">=0.1.0,<0.2.0"\n'),
    ("commits", '"org/relu" = 1\n"org/act" = { revision = "v0.1.0" }\n'),
])
def test_kernels_lock_writes_valid_lockfiles_in_both_formats(kernels, hub, serve, tmp_path, lock_format,
                                                             config):
    server = serve(hub)
    proj = project(tmp_path / "proj", config)
    # The test mirror's organization is no trusted publisher: trust it explicitly (kernels 0.17 rule).
    result = kernels("--endpoint", server.url, "--project", str(proj), "lock", "--format", lock_format,
                     "--trust-remote-code")
    assert result.returncode == 0, result.stderr
    document = json.loads((proj / "kernels.lock").read_text())
    assert len(document) == 2
    assert ("variants" in document[0]) == (lock_format == "hashes")
    assert errors("kernels.lock.schema.json", document) == []


@pytest.mark.parametrize("spec", ["org/relu@1", "org/relu@v1.0.0", "org/relu@>=1.0,<2.0", "org/relu@main"])
@pytest.mark.parametrize("file_name", ["kernels.toml", "pyproject.toml"])
def test_kernels_add_writes_valid_configs(kernels, tmp_path, spec, file_name):
    proj = tmp_path / "proj"
    proj.mkdir()
    if file_name == "pyproject.toml":
        (proj / file_name).write_text('[project]\nname = "app"\n\n[tool.kernels.dependencies]\n"org/act" = 0\n')
    result = kernels("--project", str(proj), "add", spec, "--no-lock")
    assert result.returncode == 0, result.stderr
    if file_name == "kernels.toml":
        document = tomllib.loads((proj / file_name).read_text())
        assert list(document["dependencies"]) == ["org/relu"]
        assert errors("kernels.toml.schema.json", document) == []
    else:
        table = tool_kernels(proj / file_name)
        assert list(table["dependencies"]) == ["org/act", "org/relu"]
        assert errors("pyproject-tool-kernels.schema.json", table) == []


def test_metadata_of_builds_and_the_spec_example_is_valid(tmp_path):
    # `kernels mirror add` copies a build's metadata.json as it is (it writes none), so what is
    # checked here is the metadata the test builds carry and the spec's example (9.2).
    make_kernel_build(tmp_path, "relu", "a1")
    for variant in VARIANTS:
        document = json.loads((tmp_path / "build" / variant / "metadata.json").read_text())
        assert errors("metadata.schema.json", document) == [], variant
    assert errors("metadata.schema.json", SPEC_METADATA) == []


SPEC_METADATA = {
    "name": "einops", "id": "_einops_cpu_d45adda", "version": 1, "license": "MIT",
    "upstream": "https://github.com/arogozhnikov/einops.git", "python-depends": [],
    "kernel-depends": [{"repo-id": "kernels-community/activation", "version": 1}],
    "backend": {"type": "cpu"},
    "digest": {"algorithm": "sha256", "files": {"__init__.py": "Zi5UvQbT5mWu2Hx4Q4Q3b0A0n4C6zQk1p0sYk2wq3xE="}},
    "provenance": {"kernel-builder": {"version": "0.17.0-dev0", "sha": "d0610aa5", "dirty": False},
                   "kernel": {"sha": "d45adda", "dirty": False}},
}

HASHES_LOCK = [{"repo_id": "org/relu", "sha": SHA, "variants": {"torch-cpu": {"hash": HASH, "hash_type": "git_lfs_concat"}}}]
COMMITS_LOCK = [{"dependency": {"repo-id": "org/relu", "version": 1}, "lock": {"commit": SHA}}]


def edited(document, change):
    document = copy.deepcopy(document)
    change(document)
    return document


@pytest.mark.parametrize("name, document", [
    ("short sha", edited(HASHES_LOCK, lambda d: d[0].update(sha=SHA[:12]))),
    ("upper-case sha", edited(HASHES_LOCK, lambda d: d[0].update(sha=SHA.upper()))),
    ("hash without prefix", edited(HASHES_LOCK, lambda d: d[0]["variants"]["torch-cpu"].update(hash="0b" * 32))),
    ("other hash type", edited(HASHES_LOCK, lambda d: d[0]["variants"]["torch-cpu"].update(hash_type="sha256"))),
    ("unknown variant key", edited(HASHES_LOCK, lambda d: d[0]["variants"]["torch-cpu"].update(size=3))),
    ("variant name with ..", edited(HASHES_LOCK, lambda d: d[0].update(variants={"../x": {"hash": HASH}}))),
    ("repo id without org", edited(HASHES_LOCK, lambda d: d[0].update(repo_id="relu"))),
    ("repo id with --", edited(HASHES_LOCK, lambda d: d[0].update(repo_id="org/a--b"))),
    ("no variants", edited(HASHES_LOCK, lambda d: d[0].pop("variants"))),
    ("object, not array", HASHES_LOCK[0]),
    ("both formats mixed", HASHES_LOCK + COMMITS_LOCK),
    ("version and revision", edited(COMMITS_LOCK, lambda d: d[0]["dependency"].update(revision="main"))),
    ("neither version nor revision", edited(COMMITS_LOCK, lambda d: d[0]["dependency"].pop("version"))),
    ("string version", edited(COMMITS_LOCK, lambda d: d[0]["dependency"].update(version="1"))),
    ("unknown key in an entry", edited(COMMITS_LOCK, lambda d: d[0].update(extra=1))),
    ("abbreviated commit", edited(COMMITS_LOCK, lambda d: d[0]["lock"].update(commit=SHA[:7]))),
])
def test_malformed_lockfiles_are_rejected(name, document):
    assert errors("kernels.lock.schema.json", HASHES_LOCK) == []
    assert errors("kernels.lock.schema.json", COMMITS_LOCK) == []
    assert errors("kernels.lock.schema.json", document) != [], name


@pytest.mark.parametrize("name, dependencies", [
    ("version and revision", {"org/relu": {"version": 1, "revision": "main"}}),
    ("empty table", {"org/relu": {}}),
    ("unknown key", {"org/relu": {"version": 1, "branch": "main"}}),
    ("negative version", {"org/relu": -1}),
    ("float version", {"org/relu": 1.5}),
    ("bad repo id", {"org//relu": 1}),
    ("empty revision", {"org/relu": {"revision": ""}}),
])
def test_malformed_configs_are_rejected(name, dependencies):
    assert errors("kernels.toml.schema.json", {"dependencies": {"org/relu": {"version": 1}}}) == []
    assert errors("kernels.toml.schema.json", {"dependencies": dependencies}) != [], name
    assert errors("pyproject-tool-kernels.schema.json", {"dependencies": dependencies}) != [], name


@pytest.mark.parametrize("name, change", [
    ("no backend", lambda d: d.pop("backend")),
    ("upper-case name", lambda d: d.update(name="Einops")),
    ("unknown backend", lambda d: d.update(backend={"type": "opencl"})),
    ("negative version", lambda d: d.update(version=-1)),
    ("digest algorithm", lambda d: d["digest"].update(algorithm="md5")),
    ("kernel dependency with both", lambda d: d["kernel-depends"][0].update(revision="main")),
    ("upstream not a git url", lambda d: d.update(upstream="ftp://example.com/x")),
])
def test_malformed_metadata_is_rejected(name, change):
    assert errors("metadata.schema.json", edited(SPEC_METADATA, change)) != [], name
