"""`cmake --install` (cmake/KernelsInstall.cmake): what lands in the prefix, that the libraries need
nothing but system libraries and each other, and that programs build against the prefix alone with
find_package(kernels) and with pkg-config, and run."""

import os
import re
import subprocess
import sys

import pytest
from conftest import (CMAKE, CXX, LIB, SOURCE, TORCH_INSTALLED, VERSION, consumer_build,
                      program_env, relative_files, run)

MAJOR = VERSION.split(".")[0]

LOADER_FILES = {
    f"{LIB}/libkernels-loader.so.{VERSION}", f"{LIB}/libkernels-loader.so.{MAJOR}",
    f"{LIB}/libkernels-loader.so", "include/kernels_loader.h",
    "include/kernels/loader/loader.hpp", "include/kernels/loader/kernel.hpp",
    "include/kernels/loader/export.hpp", "include/kernels/error.hpp",
    "include/kernels/layer_table.h", f"{LIB}/cmake/kernels/kernelsConfig.cmake",
    f"{LIB}/cmake/kernels/kernelsConfigVersion.cmake",
    f"{LIB}/cmake/kernels/kernels-loader-targets.cmake", f"{LIB}/pkgconfig/kernels-loader.pc",
}
TOOL_FILES = {
    "bin/kernels", "share/man/man1/kernels.1", "share/bash-completion/completions/kernels",
    "share/zsh/vendor-completions/_kernels", "share/fish/vendor_completions.d/kernels.fish",
    "share/doc/kernels/README.md",
}
TORCH_FILES = {
    f"{LIB}/libkernels-torch.so.{VERSION}", f"{LIB}/libkernels-torch.so.{MAJOR}",
    f"{LIB}/libkernels-torch.so", "include/kernels/torch/kernelize.hpp",
    "include/kernels/torch/kernel_layer.hpp", "include/kernels/torch/mapping.hpp",
    f"{LIB}/cmake/kernels/kernels-torch-targets.cmake",
}


def expected_files() -> set[str]:
    return LOADER_FILES | TOOL_FILES | (TORCH_FILES if TORCH_INSTALLED else set())


def test_install_puts_the_tool_libraries_headers_and_package_files_in_place(prefix):
    files = relative_files(prefix)
    assert expected_files() <= files, sorted(expected_files() - files)
    # The static libraries are inside the programs; the other layers' headers are not installed.
    assert not [f for f in files if f.endswith(".a")]
    assert not [f for f in files if f.startswith(("include/kernels/hub/", "include/kernels/ops/"))]
    if not TORCH_INSTALLED:
        assert not [f for f in files if "torch" in f]
    assert os.readlink(prefix / LIB / "libkernels-loader.so") == f"libkernels-loader.so.{MAJOR}"
    assert os.readlink(prefix / LIB / f"libkernels-loader.so.{MAJOR}") == \
        f"libkernels-loader.so.{VERSION}"
    assert (prefix / "share/man/man1/kernels.1").read_text().startswith(".\\\"")


def test_installed_tool_runs(prefix):
    result = run(prefix / "bin/kernels", "--version", env=program_env())
    assert VERSION in result.stdout


def dynamic_section(library) -> tuple[list[str], list[str], list[str]]:
    """(NEEDED, SONAME, RUNPATH/RPATH) of an ELF file, from readelf."""
    text = run("readelf", "-d", library).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", text)
    soname = re.findall(r"\(SONAME\)\s+Library soname: \[(.+?)\]", text)
    paths = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[(.+?)\]", text)
    return needed, soname, paths


def unresolved(library) -> list[str]:
    return re.findall(r"^\s*(\S+) => not found", run("ldd", library, env=program_env()).stdout,
                      re.MULTILINE)


def test_installed_libraries_need_only_system_libraries_and_each_other(prefix):
    loader = prefix / LIB / f"libkernels-loader.so.{VERSION}"
    needed, soname, paths = dynamic_section(loader)
    assert soname == [f"libkernels-loader.so.{MAJOR}"]
    assert paths == []
    assert not [n for n in needed if "kernels" in n], needed
    assert unresolved(loader) == []
    exported = run("nm", "-D", "--defined-only", loader).stdout
    assert " kernels_loader_open" in exported
    assert "toml" not in exported and "nlohmann" not in exported

    tool_needed, _, tool_paths = dynamic_section(prefix / "bin/kernels")
    assert not [n for n in tool_needed if "kernels" in n] and tool_paths == []
    assert unresolved(prefix / "bin/kernels") == []

    if TORCH_INSTALLED:
        torch_lib = prefix / LIB / f"libkernels-torch.so.{VERSION}"
        needed, soname, paths = dynamic_section(torch_lib)
        assert soname == [f"libkernels-torch.so.{MAJOR}"]
        # libkernels-loader beside it, found through $ORIGIN wherever the prefix is; libtorch
        # is the program's to bring (the consumer test below).
        assert paths == ["$ORIGIN"]
        assert f"libkernels-loader.so.{MAJOR}" in needed
        # Not the libtorch.so stub, which a libtorch program does not load.
        assert "libtorch.so" not in needed, needed
        assert f"{prefix}/{LIB}/libkernels-loader.so.{MAJOR}" in run("ldd", torch_lib).stdout
        assert set(unresolved(torch_lib)) <= {"libc10.so", "libtorch_cpu.so"}


def installed_headers(prefix) -> list[str]:
    headers = sorted(str(p.relative_to(prefix / "include"))
                     for p in (prefix / "include").rglob("*.h*"))
    if TORCH_INSTALLED:  # compiled by the torch consumer; alone they need Torch's include paths
        headers = [h for h in headers if not h.startswith("kernels/torch/")]
    return headers


def test_each_installed_header_compiles_with_the_installed_headers_only(prefix):
    headers = installed_headers(prefix)
    assert "kernels/loader/loader.hpp" in headers
    for header in headers:
        result = compile_header(CXX, ["-std=c++20", "-x", "c++"], prefix, header)
        assert result.returncode == 0, f"{header}:\n{result.stderr}"
    result = compile_header("cc", ["-std=c11", "-x", "c"], prefix, "kernels_loader.h")
    assert result.returncode == 0, result.stderr


def compile_header(compiler, flags, prefix, header) -> subprocess.CompletedProcess:
    """Compiles a file that includes only `header`, with no include path but the prefix's."""
    return subprocess.run([compiler, *flags, "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                           "-I", str(prefix / "include"), "-"],
                          input=f'#include "{header}"\n', capture_output=True, text=True,
                          timeout=120, env=program_env())


def check_consumer_output(program, lockfile_dir, cache) -> None:
    """The loader's documented answers: no lockfile is not_found (status 6, as `kernels` exits);
    a lock without the kernel opens, and loading it is not_found, naming the fix."""
    env = program_env(KERNELS_CACHE=str(cache))
    missing = lockfile_dir / "missing" / "kernels.lock"
    result = run(program, missing, env=env, check=False)
    lines = result.stdout.splitlines()
    assert result.returncode == 6, result
    assert lines[0].startswith("c++ open: not_found: ") and str(missing) in lines[0], lines
    assert lines[1].startswith("c open: 6: ") and "kernels.lock" in lines[1], lines

    lockfile = lockfile_dir / "kernels.lock"
    lockfile.write_text("[]")
    result = run(program, lockfile, env=env, check=False)
    lines = result.stdout.splitlines()
    assert lines[0] == "c++ open: ok, 0 locked", result
    assert lines[1].startswith("c++ load: not_found: ") and "kernels lock" in lines[1], lines
    assert lines[2:] == ["c open: ok"] and result.returncode == 0, result


@pytest.fixture(scope="module")
def lock_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("project")


def test_cmake_consumer_builds_with_find_package_and_runs(prefix, tmp_path, lock_dir):
    build = tmp_path / "build"
    consumer_build(SOURCE / "tests/packaging/consumer", build, str(prefix))
    cache = run(CMAKE, "-L", "-N", build, env=program_env()).stdout
    assert f"kernels_DIR:PATH={prefix}/{LIB}/cmake/kernels" in cache
    check_consumer_output(build / "kernels-consumer", lock_dir, tmp_path / "cache")
    result = run(build / "kernels-consumer-c", lock_dir / "missing.lock", check=False,
                 env=program_env())
    assert result.returncode == 6 and result.stdout.startswith("c open: 6: "), result


def test_every_function_the_installed_headers_declare_links_and_runs(prefix, tmp_path):
    """The loader's installed headers declare functions of the model and environment layers
    (parse_variant, to_string, read_metadata, Environment, ...): the library exports them, so a
    consumer calling each one links and gets the library's answers."""
    build = tmp_path / "build"
    consumer_build(SOURCE / "tests/packaging/consumer", build, str(prefix))
    result = run(build / "kernels-consumer", "--model-api", "torch211-cxx11-cu128-x86_64-linux",
                 env=program_env(KERNELS_CONSUMER_MARK="marked"))
    assert result.stdout.splitlines() == [
        "variant: torch211-cxx11-cu128-x86_64-linux",
        "framework: torch211-cxx11",
        "backend: cu128 cuda",
        "parse_backend: 12.8",
        "macos: 15.7.1",
        "requirement: version 1 (branch v1)",
        "metadata: relu 1",
        "backend type cuda: 1",
        "read_metadata: not_found",
        "environment: marked (unset)",
    ], result
    bad = run(build / "kernels-consumer", "--model-api", "torch211-CU128", check=False)
    assert bad.returncode == 1 and bad.stdout.startswith("parse_variant: invalid_input: "), bad


def pkg_config_consumer(pc_prefix, out_dir):
    """Builds the consumer with a plain compiler call and the flags pkg-config gives."""
    env = program_env(PKG_CONFIG_PATH=str(pc_prefix / LIB / "pkgconfig"))
    flags = run("pkg-config", "--cflags", "--libs", "kernels-loader", env=env).stdout.split()
    libdir = run("pkg-config", "--variable=libdir", "kernels-loader", env=env).stdout.strip()
    assert os.path.realpath(libdir) == os.path.realpath(pc_prefix / LIB)
    assert run("pkg-config", "--modversion", "kernels-loader", env=env).stdout.strip() == VERSION
    program = out_dir / "kernels-consumer"
    run(CXX, "-std=c++20", SOURCE / "tests/packaging/consumer/main.cpp", *flags,
        f"-Wl,-rpath,{libdir}", "-o", program, env=env)
    run("cc", SOURCE / "tests/packaging/consumer/main.c", *flags, f"-Wl,-rpath,{libdir}", "-o",
        out_dir / "kernels-consumer-c", env=env)
    return program


def test_pkg_config_consumer_builds_and_runs(prefix, tmp_path, lock_dir):
    program = pkg_config_consumer(prefix, tmp_path)
    check_consumer_output(program, lock_dir, tmp_path / "cache")


@pytest.mark.skipif(not TORCH_INSTALLED, reason="kernels::torch is not built (no Torch)")
def test_torch_consumer_builds_with_find_package_torch_and_runs(prefix, tmp_path, lock_dir):
    torch_prefix = run(sys.executable, "-c",
                       "import torch.utils; print(torch.utils.cmake_prefix_path)").stdout.strip()
    build = tmp_path / "build"
    consumer_build(SOURCE / "tests/packaging/torch_consumer", build, f"{prefix};{torch_prefix}")
    lockfile = lock_dir / "torch" / "kernels.lock"
    lockfile.parent.mkdir()
    lockfile.write_text("[]")
    result = run(build / "kernels-torch-consumer", lockfile,
                 env=program_env(KERNELS_CACHE=str(tmp_path / "cache")))
    assert result.stdout == "kernelize: 0 of 0 layers on cpu\n", result
