"""`kernels info --system` and `kernels cache dir`: what the tool detects and where it caches."""

import json


def make_fake_torch(root, version="2.11.0+cu128", cuda="'12.8'"):
    torch = root / "site-packages" / "torch"
    (torch / "share" / "cmake" / "Torch").mkdir(parents=True)
    (torch / "version.py").write_text(
        "from typing import Optional\n"
        f"__version__ = '{version}'\n"
        "debug = False\n"
        f"cuda: Optional[str] = {cuda}\n"
        "hip: Optional[str] = None\n"
        "xpu: Optional[str] = None\n"
    )
    (torch / "share" / "cmake" / "Torch" / "TorchConfig.cmake").write_text(
        'set(TORCH_CXX_FLAGS "-D_GLIBCXX_USE_CXX11_ABI=1")\n'
    )
    return torch


def test_info_system_reads_the_torch_it_is_pointed_at(kernels, tmp_path):
    torch = make_fake_torch(tmp_path)
    result = kernels("--json", "info", "--system", env={"KERNELS_TORCH_DIR": str(torch)})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["torch"]["version"] == "2.11"
    assert report["torch"]["full_version"] == "2.11.0+cu128"
    assert report["torch"]["cxx11_abi"] is True
    assert report["torch"]["source"] == "KERNELS_TORCH_DIR"
    assert report["backend"]["name"] == "cuda"
    assert report["backend"]["variant_spelling"] == "cu128"
    assert report["os"] == "linux"


def test_info_system_text_and_the_torch_flag(kernels, tmp_path):
    torch = make_fake_torch(tmp_path, version="2.10.1", cuda="None")
    result = kernels("info", "--system", "--torch", str(torch))
    assert result.returncode == 0, result.stderr
    assert "torch:    2.10.1 (C++ ABI: cxx11)" in result.stdout
    assert "backend:  cpu" in result.stdout


def test_info_system_backend_override_allows_cpu_only_besides_the_detected(kernels, tmp_path):
    torch = make_fake_torch(tmp_path)
    ok = kernels("--json", "info", "--system", "--torch", str(torch), "--backend", "cpu")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["backend"]["name"] == "cpu"
    bad = kernels("info", "--system", "--torch", str(torch), "--backend", "xpu")
    assert bad.returncode == 2
    assert "Invalid backend 'xpu', system supported backends: cpu, cuda" in bad.stderr


def test_info_system_with_a_torch_dir_that_holds_no_torch_is_an_error(kernels, tmp_path):
    result = kernels("info", "--system", "--torch", str(tmp_path))
    assert result.returncode != 0
    assert str(tmp_path) in result.stderr


def test_cache_dir_precedence(kernels, tmp_path):
    home = tmp_path / "home"
    default = kernels("cache", "dir", env={"HOME": str(home)})
    assert default.returncode == 0
    # The fixture sets HF_HOME, which is where the default goes.
    assert default.stdout.strip() == str(tmp_path / "hf-home" / "hub")
    assert kernels("cache", "dir", env={"HF_HUB_CACHE": "/hub"}).stdout.strip() == "/hub"
    both = {"HF_HUB_CACHE": "/hub", "KERNELS_CACHE": "/kernels"}
    assert kernels("cache", "dir", env=both).stdout.strip() == "/kernels"
    assert kernels("--cache-dir", "/flag", "cache", "dir", env=both).stdout.strip() == "/flag"
    document = json.loads(kernels("--json", "cache", "dir", env=both).stdout)
    assert document == {"cache_dir": "/kernels", "origin": "$KERNELS_CACHE"}


def test_malformed_offline_variable_is_reported(kernels):
    result = kernels("cache", "dir", env={"HF_HUB_OFFLINE": "perhaps"})
    assert result.returncode == 2
    assert "HF_HUB_OFFLINE='perhaps'" in result.stderr
