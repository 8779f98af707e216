"""`kernels check --abi PATH`: real shared objects built with gcc during the test, hand-made and
broken files, the layout of build/, the output (text and --json), and auditwheel's verdict on the
same ELF files."""

import base64
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from mirror_fixtures import serve  # noqa: F401 (fixture)

VARIANT = "torch29-cxx11-cpu-x86_64-linux"
METADATA = {
    "name": "probe",
    "id": "_probe_cpu_0000000",
    "version": 1,
    "license": "MIT",
    "python-depends": [],
    "backend": {"type": "cpu"},
}

OLD_GLIBC_C = """
#include <string.h>
int old_copy(char *d, const char *s) { strcpy(d, s); return (int)strlen(d); }
"""
# dlopen moved into libc in glibc 2.34, so a link on this system versions it GLIBC_2.34.
NEW_GLIBC_C = """
#include <dlfcn.h>
void *new_open(const char *p) { return dlopen(p, RTLD_NOW); }
"""
# std::to_chars for double is GLIBCXX_3.4.29 (GCC 11); manylinux_2_28 stops at 3.4.24.
NEW_CXX = """
#include <charconv>
extern "C" int cxx_new(char *buf) {
  auto r = std::to_chars(buf, buf + 32, 3.25); return (int)(r.ptr - buf); }
"""
ABI3_GOOD_C = """
#define Py_LIMITED_API 0x03090000
#include <Python.h>
PyObject *f(PyObject *o) { return PyUnicode_AsUTF8String(o); }
PyObject *g(PyObject *m) { return PyModule_GetNameObject(m); }
"""
# _PyLong_Sign is CPython's internal API: outside the stable ABI whatever the version.
ABI3_BAD_C = """
#include <Python.h>
int f(PyObject *o) { return _PyLong_Sign(o); }
"""


def compile_shared(tmp_path: Path, name: str, source: str, cxx: bool = False, flags=()) -> Path:
    suffix = ".cpp" if cxx else ".c"
    src = tmp_path / "src" / (name + suffix)
    src.parent.mkdir(exist_ok=True)
    src.write_text(source)
    out = tmp_path / "objects" / name
    out.parent.mkdir(exist_ok=True)
    compiler = "g++" if cxx else "gcc"
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not installed")
    subprocess.run([compiler, "-shared", "-fPIC", "-O1", *flags, "-o", str(out), str(src)],
                   check=True)
    return out


def python_include_flags():
    include = sysconfig.get_paths()["include"]
    if not (Path(include) / "Python.h").exists():
        pytest.skip("Python.h is not installed (Debian: python3-dev)")
    return [f"-I{include}"]


def make_kernel(root: Path, files: dict, metadata=METADATA, variant=VARIANT) -> Path:
    variant_dir = root / "build" / variant
    variant_dir.mkdir(parents=True, exist_ok=True)
    if metadata is not None:
        (variant_dir / "metadata.json").write_text(json.dumps(metadata))
    for name, path in files.items():
        target = variant_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(path, bytes):
            target.write_bytes(path)
        else:
            shutil.copy(path, target)
    return root


def check(kernels, *args):
    result = kernels("check", "--abi", *args)
    return result


def check_json(kernels, *args):
    result = kernels("--json", "check", "--abi", *args)
    return result, json.loads(result.stdout)


def file_problems(report, variant, path):
    for entry in report["variants"]:
        if entry["name"] == variant:
            for file in entry["files"]:
                if file["path"] == path:
                    return file["problems"]
    raise AssertionError(f"{variant}/{path} not in the report")


@pytest.fixture
def built(tmp_path):
    return {
        "old.so": compile_shared(tmp_path, "old.so", OLD_GLIBC_C),
        "new.so": compile_shared(tmp_path, "new.so", NEW_GLIBC_C),
        "newcxx.so": compile_shared(tmp_path, "newcxx.so", NEW_CXX, cxx=True, flags=["-std=c++17"]),
    }


def test_old_glibc_passes_manylinux_2_28(kernels, tmp_path, built):
    root = make_kernel(tmp_path / "k", {"_probe.so": built["old.so"]})
    result = check(kernels, str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert VARIANT in result.stdout
    assert "_probe.so (ELF, x86_64): ok" in result.stdout
    assert "no ABI problems in 1 shared object in 1 variant (manylinux_2_28" in result.stdout


def test_newer_glibc_fails_manylinux_2_28_and_names_the_symbol(kernels, tmp_path, built):
    root = make_kernel(tmp_path / "k", {"_probe.so": built["new.so"]})
    result = check(kernels, str(root))
    assert result.returncode == 1
    assert "dlopen needs GLIBC_2.34 (manylinux_2_28 allows GLIBC up to 2.28)" in result.stdout
    assert "1 ABI problem found" in result.stderr

    report = check_json(kernels, str(root))[1]
    assert report["ok"] is False
    problems = file_problems(report, VARIANT, "_probe.so")
    assert [(p["kind"], p["subject"], p["version"]) for p in problems] == [
        ("symbol_version", "dlopen", "GLIBC_2.34")
    ]
    assert check(kernels, str(root), "--manylinux", "manylinux_2_34").returncode == 0


def test_newer_libstdcxx_symbol_fails(kernels, tmp_path, built):
    root = make_kernel(tmp_path / "k", {"_probe.so": built["newcxx.so"]})
    result, report = check_json(kernels, str(root))
    assert result.returncode == 1
    problems = file_problems(report, VARIANT, "_probe.so")
    assert ("_ZSt8to_charsPcS_d", "GLIBCXX_3.4.29") in [(p["subject"], p["version"]) for p in problems]


def test_abi3_extension_against_python_versions(kernels, tmp_path):
    good = compile_shared(tmp_path, "good.abi3.so", ABI3_GOOD_C, flags=python_include_flags())
    bad = compile_shared(tmp_path, "bad.abi3.so", ABI3_BAD_C, flags=python_include_flags())
    root = make_kernel(tmp_path / "k", {"_good.abi3.so": good})
    assert check(kernels, str(root), "--python-abi", "3.9").returncode == 0
    result, report = check_json(kernels, str(root), "--python-abi", "3.5")
    assert result.returncode == 1
    assert file_problems(report, VARIANT, "_good.abi3.so") == [{
        "kind": "python_abi_too_new",
        "message": "PyModule_GetNameObject joined the stable ABI in Python 3.7, after 3.5",
        "subject": "PyModule_GetNameObject",
        "version": "3.7",
    }]

    make_kernel(root, {"_bad.abi3.so": bad})
    result, report = check_json(kernels, str(root))
    problems = file_problems(report, VARIANT, "_bad.abi3.so")
    assert [(p["kind"], p["subject"]) for p in problems] == [
        ("python_not_stable_abi", "_PyLong_Sign")
    ]
    # The same file without the abi3 name is not judged against the stable ABI.
    plain = tmp_path / "plain"
    make_kernel(plain, {"_bad.so": bad})
    assert check(kernels, str(plain)).returncode == 0


def macho(minos=0x000B0300, command=0x32, cputype=0x01000007):
    header = struct.pack("<7I I", 0xFEEDFACF, cputype, 3, 6, 1 if command else 0,
                         24 if command == 0x32 else (16 if command else 0), 0, 0)
    if command == 0x32:
        body = struct.pack("<6I", 0x32, 24, 1, minos, minos, 0)
    elif command == 0x24:
        body = struct.pack("<4I", 0x24, 16, minos, minos)
    else:
        body = b""
    return header + body


def fat(*slices):
    out = struct.pack(">2I", 0xCAFEBABE, len(slices))
    offset = 4096
    layout = []
    for cputype, data in slices:
        out += struct.pack(">5I", cputype, 3, offset, len(data), 12)
        layout.append((offset, data))
        offset += 4096
    for at, data in layout:
        out = out.ljust(at, b"\0") + data
    return out


def test_macho_minimum_macos_thin_fat_old_and_new_commands(kernels, tmp_path):
    variant = "torch29-metal-aarch64-darwin"
    metadata = dict(METADATA, backend={"type": "metal"})
    files = {
        "new_cmd.so": macho(0x000B0300, 0x32),        # 11.3 via LC_BUILD_VERSION
        "old_cmd.so": macho(0x000A0D00, 0x24),        # 10.13 via LC_VERSION_MIN_MACOSX
        "universal.so": fat((0x01000007, macho(0x000A0F00)),
                            (0x0100000C, macho(0x000F0000, cputype=0x0100000C))),
        "none.so": macho(command=0),
    }
    root = make_kernel(tmp_path / "k", files, metadata, variant)
    result, report = check_json(kernels, str(root), "--macos", "12.0")
    assert result.returncode == 1
    assert file_problems(report, variant, "new_cmd.so") == []
    assert file_problems(report, variant, "old_cmd.so") == []
    universal = file_problems(report, variant, "universal.so")
    assert [(p["kind"], p["subject"], p["version"]) for p in universal] == [
        ("macos_too_new", "arm64", "15.0")
    ]
    assert [p["kind"] for p in file_problems(report, variant, "none.so")] == ["macos_missing"]
    text = check(kernels, str(root), "--macos", "10.9").stdout
    assert "new_cmd.so (Mach-O, x86_64)" in text
    assert "requires macOS 11.3, newer than 10.9" in text
    assert "universal.so (Mach-O universal (fat), x86_64,arm64)" in text


def test_truncated_and_corrupted_files_are_reported_not_crashed_on(kernels, tmp_path, built):
    data = built["old.so"].read_bytes()
    corrupted = bytearray(data)
    corrupted[0x28:0x30] = b"\xff" * 8  # e_shoff far past the end
    files = {
        "cut.so": data[: len(data) // 2],
        "header_only.so": data[:64],
        "corrupt.so": bytes(corrupted),
        "tiny.so": data[:3],
        "text.so": b"INPUT(-lfoo)\n",
        "macho_cut.so": macho()[:30],
        "fat_cut.so": fat((0x01000007, macho()))[:4100],
    }
    root = make_kernel(tmp_path / "k", files)
    result, report = check_json(kernels, str(root))
    assert result.returncode == 1
    kinds = {f["path"]: [p["kind"] for p in f["problems"]] for f in report["variants"][0]["files"]}
    assert kinds == {
        "corrupt.so": ["malformed"],
        "cut.so": ["malformed"],
        "fat_cut.so": ["malformed"],
        "header_only.so": ["malformed"],
        "macho_cut.so": ["malformed"],
        "text.so": ["unsupported_format"],
        "tiny.so": ["unsupported_format"],
    }
    text = check(kernels, str(root)).stdout
    assert "cut.so (ELF)" in text
    assert "malformed ELF file" in text and "truncated" in text


def test_layout_of_build_and_metadata(kernels, tmp_path, built):
    root = make_kernel(tmp_path / "k", {"_probe.so": built["old.so"]})
    (root / "build" / "README.md").write_text("stray")
    (root / "build" / "Not-A-Variant").mkdir()
    cuda = root / "build" / "torch29-cxx11-cu128-x86_64-linux"
    cuda.mkdir()
    (cuda / "metadata.json").write_text(json.dumps(METADATA))  # says cpu
    noarch = root / "build" / "torch-universal"
    noarch.mkdir()
    (noarch / "metadata.json").write_text("{not json")
    result, report = check_json(kernels, str(root))
    assert result.returncode == 1
    assert sorted(p["subject"] for p in report["problems"]) == ["Not-A-Variant", "README.md"]
    by_name = {v["name"]: v for v in report["variants"]}
    assert [p["message"] for p in by_name["torch29-cxx11-cu128-x86_64-linux"]["problems"]] == [
        "metadata.json names backend 'cpu', but the variant is built for 'cuda'"
    ]
    assert by_name["torch-universal"]["problems"][0]["kind"] == "layout"
    assert by_name[VARIANT]["problems"] == []

    (cuda / "metadata.json").unlink()
    text = check(kernels, str(root)).stdout
    assert "metadata.json is missing" in text
    assert "build/ must hold only variant directories, found README.md" in text


def test_targets_build_dir_single_variant_and_errors(kernels, tmp_path, built):
    root = make_kernel(tmp_path / "k", {"lib/_probe.so": built["new.so"]})
    for target in (root, root / "build", root / "build" / VARIANT):
        result, report = check_json(kernels, str(target))
        assert result.returncode == 1, target
        assert [v["name"] for v in report["variants"]] == [VARIANT]
        assert file_problems(report, VARIANT, "lib/_probe.so")[0]["subject"] == "dlopen"
    # The current directory by default.
    assert kernels("check", "--abi", cwd=root).returncode == 1

    empty = tmp_path / "empty"
    empty.mkdir()
    assert check(kernels, str(empty)).returncode == 6
    assert check(kernels, str(root), "--manylinux", "manylinux_3_0").returncode == 2
    assert check(kernels, str(root), "--macos", "fifteen").returncode == 2
    assert check(kernels, str(root), "--python-abi", "2.7").returncode == 2


def test_a_hub_kernel_is_fetched_into_the_cache_and_checked(kernels, tmp_path, built, serve):
    build = make_kernel(tmp_path / "k", {"lib/_probe.so": built["new.so"], "ok.so": built["old.so"]})
    added = kernels("mirror", "add", str(build), "--repo", "org/probe", "--mirror", str(tmp_path / "mirror"),
                    "--branch", "v1")
    assert added.returncode == 0, added.stderr
    served = serve(tmp_path / "mirror")
    cache = tmp_path / "cache"
    env = {"KERNELS_CACHE": str(cache)}
    result = kernels("--endpoint", served.url, "--json", "check", "--abi", "org/probe@1", env=env)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert file_problems(report, VARIANT, "lib/_probe.so")[0]["subject"] == "dlopen"
    assert file_problems(report, VARIANT, "ok.so") == []
    # The files went through `kernels download`: the cache holds them, verified.
    assert list(cache.glob("kernels--org--probe/kernels-verified/*/*.json"))
    unknown = kernels("--endpoint", served.url, "check", "--abi", "org/absent@1", env=env)
    assert unknown.returncode == 6, unknown.stderr
    offline = kernels("--endpoint", served.url, "--offline", "check", "--abi", "org/probe@1", env=env)
    assert offline.returncode == 6 and "snapshot folder" in offline.stderr


def test_json_is_one_document_even_when_problems_are_found(kernels, tmp_path, built):
    root = make_kernel(tmp_path / "k", {"_probe.so": built["new.so"]})
    result = kernels("--json", "check", "--abi", str(root))
    assert result.returncode == 1
    report = json.loads(result.stdout)  # a second document would make this fail
    assert report["problem_count"] == 1
    assert report["policies"] == {"manylinux": "manylinux_2_28", "macos": "15.0", "python_abi": "3.9"}


# --- auditwheel: the same ELF file, judged by both -------------------------------------------

def auditwheel_binary():
    candidate = Path(sys.executable).parent / "auditwheel"
    return candidate if candidate.exists() else shutil.which("auditwheel")


def wheel_around(so: Path, out_dir: Path) -> Path:
    arch = os.uname().machine
    tag = f"cp39-abi3-linux_{arch}"
    files = {
        "probe_ext.abi3.so": so.read_bytes(),
        "probe-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: probe\nVersion: 1.0\n",
        "probe-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: kernels-tests\nRoot-Is-Purelib: false\n"
            f"Tag: {tag}\n").encode(),
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("probe-1.0.dist-info/RECORD,,")
    wheel = out_dir / f"probe-1.0-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("probe-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return wheel


def auditwheel_policy(so: Path, tmp_path: Path) -> str:
    """The manylinux policy `auditwheel show` finds the wheel consistent with."""
    out_dir = tmp_path / ("wheel-" + so.name)
    out_dir.mkdir()
    shown = subprocess.run([str(auditwheel_binary()), "show", str(wheel_around(so, out_dir))],
                           capture_output=True, text=True, check=True)
    match = re.search(r'platform tag:\s*"(manylinux_\d+_\d+)_' + os.uname().machine, shown.stdout)
    assert match, shown.stdout
    return match.group(1)


POLICIES = ["manylinux_2_17", "manylinux_2_24", "manylinux_2_27", "manylinux_2_28",
            "manylinux_2_31", "manylinux_2_34", "manylinux_2_35", "manylinux_2_39"]


@pytest.mark.parametrize("name", ["old.so", "new.so", "newcxx.so"])
def test_manylinux_verdict_matches_auditwheel(kernels, tmp_path, built, name):
    if auditwheel_binary() is None:
        pytest.skip("auditwheel is not installed (scripts/install-deps.sh installs it)")
    theirs = auditwheel_policy(built[name], tmp_path)
    root = make_kernel(tmp_path / "k", {"_probe.so": built[name]})

    def version(policy):
        return tuple(int(part) for part in policy.split("_")[1:])

    for policy in POLICIES:
        ours = check(kernels, str(root), "--manylinux", policy).returncode == 0
        # auditwheel names the strictest (oldest) policy the file meets; every newer one passes.
        assert ours == (version(policy) >= version(theirs)), (policy, theirs)
