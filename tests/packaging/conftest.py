"""Fixtures of the packaging tests: the build installed into a scratch prefix, its .deb and
.tar.gz made by cpack, and the .deb installed by dpkg into a scratch root.

Environment (set by ctest, tests/CMakeLists.txt): KERNELS_BUILD_DIR, KERNELS_SOURCE_DIR,
KERNELS_VERSION, KERNELS_CMAKE, KERNELS_CPACK, KERNELS_CXX (the build's C++ compiler),
KERNELS_INSTALL_LIBDIR, KERNELS_TORCH_INSTALLED (1 when kernels::torch is built, so installed).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BUILD = Path(os.environ["KERNELS_BUILD_DIR"])
SOURCE = Path(os.environ["KERNELS_SOURCE_DIR"])
VERSION = os.environ["KERNELS_VERSION"]
CMAKE = os.environ.get("KERNELS_CMAKE", "cmake")
CPACK = os.environ.get("KERNELS_CPACK", "cpack")
CXX = os.environ.get("KERNELS_CXX", "c++")
TORCH_INSTALLED = os.environ.get("KERNELS_TORCH_INSTALLED") == "1"
# The library folder below the prefix (GNUInstallDirs).
LIB = os.environ.get("KERNELS_INSTALL_LIBDIR", "lib")


def run(*args, env: dict | None = None, cwd=None, check: bool = True,
        timeout: int = 600) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def program_env(**extra) -> dict:
    """The environment of the consumers: no user cache, no kernel switches from the caller."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "KERNELS_CACHE", "LD_LIBRARY_PATH", "PKG_CONFIG"))}
    env.pop("USE_HUB_KERNELS", None)
    env.pop("LOCAL_KERNELS", None)
    env.update(extra)
    return env


def relative_files(root: Path) -> set[str]:
    """Every file and link below root, as paths relative to it."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


@pytest.fixture(scope="session")
def prefix(tmp_path_factory) -> Path:
    """`cmake --install` of the build into a scratch prefix (builds nothing)."""
    path = tmp_path_factory.mktemp("install") / "prefix"
    run(CMAKE, "--install", BUILD, "--prefix", path)
    return path


@pytest.fixture(scope="session")
def packages(tmp_path_factory) -> dict:
    """The .deb and .tar.gz that cpack makes of the build, in a scratch folder (cpack's staging
    folders go there too, not into the build)."""
    out = tmp_path_factory.mktemp("cpack")
    run(CPACK, "--config", BUILD / "CPackConfig.cmake", "-G", "DEB;TGZ", "-B", out)
    debs = list(out.glob("*.deb"))
    tars = list(out.glob("*.tar.gz"))
    assert len(debs) == 1 and len(tars) == 1, sorted(p.name for p in out.iterdir())
    return {"deb": debs[0], "tgz": tars[0]}


@pytest.fixture(scope="session")
def deb_root(packages, tmp_path_factory) -> Path:
    """The .deb installed by dpkg into a scratch root with its own, empty package database.

    The package's dependencies are this machine's libraries, which that database does not know
    (--force-depends); the maintainer scripts run outside a chroot (--force-script-chrootless),
    which also lets a user other than root install there (--force-not-root). Their ldconfig is a
    stand-in that records the call: the real one would rebuild this machine's cache."""
    work = tmp_path_factory.mktemp("dpkg")
    root = work / "root"
    admin = root / "var/lib/dpkg"
    for folder in ("info", "updates", "triggers"):
        (admin / folder).mkdir(parents=True)
    (admin / "status").touch()
    tools = work / "bin"
    tools.mkdir()
    ldconfig_log = work / "ldconfig.log"
    (tools / "ldconfig").write_text(f'#!/bin/sh\necho "ldconfig $*" >> "{ldconfig_log}"\n')
    (tools / "ldconfig").chmod(0o755)
    env = dict(os.environ)
    # dpkg also wants start-stop-daemon on the PATH before it installs anything.
    env["PATH"] = f"{tools}:{env.get('PATH', '/usr/bin:/bin')}:/usr/sbin:/sbin"
    run("dpkg", f"--root={root}", "--force-depends", "--force-script-chrootless",
        "--force-not-root", f"--log={work / 'dpkg.log'}", "-i", packages["deb"], env=env)
    status = run("dpkg-query", f"--admindir={admin}", "-W", "-f=${Package} ${Version} ${Status}",
                 "kernels").stdout
    assert status == f"kernels {VERSION} install ok installed", status
    assert ldconfig_log.read_text() == "ldconfig \n"  # the postinst ran
    return root


def consumer_build(source: Path, build: Path, prefix_path: str) -> None:
    """Configures and builds a consumer project against installed packages."""
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    run(CMAKE, "-S", source, "-B", build, *generator, f"-DCMAKE_PREFIX_PATH={prefix_path}",
        f"-DCMAKE_CXX_COMPILER={CXX}", "-DCMAKE_BUILD_TYPE=Release", env=program_env())
    run(CMAKE, "--build", build, "-j2", env=program_env())
