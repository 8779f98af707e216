"""CPack (packaging/CPackSettings.cmake): the .deb's fields and contents, the .deb installed by
a real dpkg and its program and library used from there, and the .tar.gz holding what
`cmake --install` installs."""

import re
import tarfile

from conftest import LIB, TORCH_INSTALLED, VERSION, program_env, relative_files, run
from test_install import MAJOR, check_consumer_output, expected_files, pkg_config_consumer


def deb_field(deb, name) -> str:
    return run("dpkg-deb", "--field", deb, name).stdout.strip()


def test_deb_fields(packages):
    deb = packages["deb"]
    assert deb.name.startswith(f"kernels_{VERSION}_")
    assert deb_field(deb, "Package") == "kernels"
    assert deb_field(deb, "Version") == VERSION
    assert deb_field(deb, "Architecture") == run("dpkg", "--print-architecture").stdout.strip()
    assert deb_field(deb, "Maintainer")
    description = deb_field(deb, "Description")
    assert description.startswith("Kernel manager") and "libkernels-loader" in description
    assert ";" not in description, description
    depends = [d.strip() for d in deb_field(deb, "Depends").split(",")]
    names = {re.split(r"[\s(]", d)[0] for d in depends}
    # The libraries the tool and libkernels-loader link, by their Debian packages; never Torch
    # (a Python wheel, no package) or the package itself.
    for package in ("libc6", "libstdc++6", "libssl3", "libcurl4", "libarchive13", "libelf1",
                    "libtomlplusplus3"):
        assert package in names, depends
    assert not [n for n in names if "torch" in n or n == "kernels"], depends
    assert "libexpected-dev" in deb_field(deb, "Recommends")


def test_deb_contents(packages):
    listing = run("dpkg-deb", "--contents", packages["deb"]).stdout
    paths = {line.split(" ./", 1)[1].split(" -> ")[0].rstrip("/")
             for line in listing.splitlines() if " ./" in line}
    expected = {f"usr/{f}" for f in expected_files()}
    assert expected <= paths, sorted(expected - paths)
    assert "usr/bin/kernels" in paths and not [p for p in paths if p.endswith(".a")]
    # Packages built against the libraries can depend on this one; dpkg runs ldconfig for them.
    shlibs = run("dpkg-deb", "--info", packages["deb"], "shlibs").stdout
    assert f"libkernels-loader {MAJOR} kernels (>= {VERSION})" in shlibs.splitlines(), shlibs
    assert "ldconfig" in run("dpkg-deb", "--info", packages["deb"], "postinst").stdout


def test_deb_installed_by_dpkg_runs(deb_root, tmp_path):
    usr = deb_root / "usr"
    result = run(usr / "bin/kernels", "--version", env=program_env())
    assert VERSION in result.stdout
    # A program built against the installed package: its pkg-config file finds the package's own
    # folder ($pcfiledir), wherever dpkg put it.
    program = pkg_config_consumer(usr, tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    check_consumer_output(program, project, tmp_path / "cache")
    if TORCH_INSTALLED:
        assert (usr / LIB / f"libkernels-torch.so.{VERSION}").is_file()


def test_tgz_holds_what_cmake_install_installs(packages, prefix):
    with tarfile.open(packages["tgz"]) as archive:
        names = [m.name for m in archive.getmembers() if not m.isdir()]
    top = {n.split("/", 1)[0] for n in names}
    assert top == {packages["tgz"].name.removesuffix(".tar.gz")}, top
    assert {n.split("/", 1)[1] for n in names} == relative_files(prefix)
