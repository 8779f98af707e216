"""The built variants: names, files, metadata.json (with digests) and layers.json.

metadata.json must parse with the reference's parser and ours (`kernels info DIR --json`), its
digests must match the files, and layers.json must follow schemas/layer-table.schema.json and say
exactly what the library's exported table says.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys

import jsonschema
import pytest
from kernels._rust import Metadata
from kernels.variants import parse_variant

from conftest import KERNELS, built_variants, expected_variants, samples_dir, source_dir

LAYERS = {
    "relu": {"ReLU": "(Tensor x) -> Tensor"},
    "activation": {"SiluAndMul": "(Tensor x) -> Tensor", "GeluAndMul": "(Tensor x) -> Tensor"},
    "rms-norm": {
        "RMSNorm": "(Tensor x, Tensor weight, float eps) -> Tensor",
        "RMSNormMLP": "(Tensor x, Tensor weight, float eps, Tensor gate_up_weight, "
                      "Tensor gate_up_bias, Tensor down_weight, Tensor down_bias) -> Tensor",
    },
}


def all_variants():
    return [(kernel, backend, path) for kernel in KERNELS
            for backend, path in built_variants(kernel).items()]


def test_every_kernel_has_the_variants_this_torch_calls_for():
    want_cuda = os.environ.get("KERNELS_SAMPLES_CUDA", "OFF").upper() in ("ON", "1", "TRUE")
    for kernel in KERNELS:
        built = built_variants(kernel)
        assert "cpu" in built, f"{kernel}: no {expected_variants()['cpu']} under {samples_dir()}"
        assert ("cuda" in built) == want_cuda, f"{kernel}: CUDA variant built: {'cuda' in built}"
        names = sorted(p.name for p in (samples_dir() / kernel / "build").iterdir())
        assert names == sorted(p.name for p in built.values())


@pytest.mark.parametrize("kernel,backend,path", all_variants())
def test_variant_name_round_trips_through_the_reference_parser(kernel, backend, path):
    assert parse_variant(path.name).variant_str == path.name


@pytest.mark.parametrize("kernel,backend,path", all_variants())
def test_variant_files_and_metadata(kernel, backend, path):
    python_name = KERNELS[kernel]
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["name"] == kernel and metadata["version"] == 1
    assert metadata["backend"] == {"type": backend}
    assert metadata["id"].startswith(f"_{python_name}_{backend}_")
    files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
                   and "__pycache__" not in p.parts)
    assert files == sorted(["__init__.py", "_ops.py", "layers.py", "layers.json", "metadata.json",
                            f"{python_name}/__init__.py", f"{metadata['id']}.so"])
    digests = metadata["digest"]
    assert digests["algorithm"] == "sha256"
    assert sorted(digests["files"]) == [f for f in files if f != "metadata.json"]
    for relative, expected in digests["files"].items():
        actual = base64.b64encode(hashlib.sha256((path / relative).read_bytes()).digest()).decode()
        assert actual == expected, relative
    reference = Metadata.read_from_file(path / "metadata.json")
    assert reference.id == metadata["id"] and str(reference.name) == kernel


def test_our_parser_reads_the_kernels(kernels_bin):
    for kernel in KERNELS:
        result = subprocess.run([kernels_bin, "info", str(samples_dir() / kernel), "--json"],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        text = result.stdout
        for path in built_variants(kernel).values():
            assert path.name in text


@pytest.mark.parametrize("kernel,backend,path", all_variants())
def test_layers_json_follows_the_schema_and_the_library(kernel, backend, path):
    schema = json.loads((source_dir() / "schemas" / "layer-table.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads((path / "layers.json").read_text())
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    metadata = json.loads((path / "metadata.json").read_text())
    assert document["kernel_id"] == metadata["id"] and document["kernel_name"] == kernel
    assert {layer["name"]: layer["forward_signature"] for layer in document["layers"]} == LAYERS[kernel]
    for layer in document["layers"]:
        # relu is the example of a forward-only kernel; the others register a backward.
        trains = kernel != "relu"
        assert layer["has_backward"] is trains and layer["supports"]["training"] is trains
        assert layer["supports"]["inference"] is True and layer["supports"]["torch_compile"] is True
        assert layer["devices"] == (["cpu", "cuda"] if backend == "cuda" else ["cpu"])
    # The table as the library exports it, read in a fresh process (loading registers the ops).
    script = (
        "import json, sys, torch; sys.path.insert(0, sys.argv[1]); import layout_variant as l;"
        "from pathlib import Path; print(json.dumps(l.read_layer_table(Path(sys.argv[2]),"
        " 'kernels_layer_table_v1')))"
    )
    result = subprocess.run([sys.executable, "-c", script, str(source_dir() / "kernels-src" / "cmake"),
                             str(path / document["library"])], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == document


def test_schema_rejects_a_malformed_table():
    schema = json.loads((source_dir() / "schemas" / "layer-table.schema.json").read_text())
    good = json.loads((all_variants()[0][2] / "layers.json").read_text())
    bad_documents = [
        {**good, "table_version": 2},
        {**good, "layers": [{**good["layers"][0], "forward_signature": "x -> y"}]},
        {**good, "layers": [{**good["layers"][0], "devices": []}]},
        {key: value for key, value in good.items() if key != "kernel_id"},
    ]
    for document in bad_documents:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("kernel,backend,path", all_variants())
def test_library_exports_only_the_layer_table_and_needs_no_python(kernel, backend, path):
    library = next(path.glob("*.so"))
    dynamic = subprocess.run(["nm", "-D", "--defined-only", str(library)], capture_output=True,
                             text=True, check=True).stdout
    exported = {line.split()[-1] for line in dynamic.splitlines() if line.split()[1] in "TDBR"}
    assert "kernels_layer_table_v1" in exported
    undefined = subprocess.run(["nm", "-D", "--undefined-only", str(library)], capture_output=True,
                               text=True, check=True).stdout
    assert not [s for s in undefined.split() if s.startswith(("Py", "_Py"))]


def test_kernels_check_abi_accepts_the_variants(kernels_bin):
    """Built on Debian 12 (glibc 2.36), the variants fit manylinux_2_34. For manylinux_2_28 (what
    the Hub's kernels target) the one thing in the way is libstdc++'s inline use of
    __libc_single_threaded (GLIBC_2.32): building for 2_28 needs an older glibc (a manylinux_2_28
    container), which the check reports exactly."""
    for kernel in KERNELS:
        result = subprocess.run([kernels_bin, "--json", "check", "--abi", str(samples_dir() / kernel),
                                 "--manylinux", "manylinux_2_34"], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        strict = subprocess.run([kernels_bin, "--json", "check", "--abi", str(samples_dir() / kernel)],
                                capture_output=True, text=True)
        problems = {(p["subject"], p["version"])
                    for variant in json.loads(strict.stdout)["variants"]
                    for file in variant["files"] for p in file["problems"]}
        assert problems <= {("__libc_single_threaded", "GLIBC_2.32")}, strict.stdout
