"""The loader's C API (kernels_loader.h) driven through ctypes, in a process that has libtorch
loaded (Python with torch imported): the variant of the lock, its layer table, the status codes.
"""

import ctypes
import os

import pytest
import torch  # noqa: F401  (loads libtorch: the kernels' libraries need it)

OK, USAGE, INTEGRITY, NOT_FOUND = 0, 2, 4, 6


class Options(ctypes.Structure):
    _fields_ = [
        ("lockfile", ctypes.c_char_p),
        ("cache_dir", ctypes.c_char_p),
        ("backend", ctypes.c_char_p),
        ("verify_full", ctypes.c_int),
        ("log", ctypes.c_void_p),
        ("log_user_data", ctypes.c_void_p),
    ]


class Layer(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("forward_signature", ctypes.c_char_p),
        ("flags", ctypes.c_uint32),
        ("devices", ctypes.c_uint32),
        ("forward", ctypes.c_void_p),
    ]


@pytest.fixture(scope="module")
def lib():
    lib = ctypes.CDLL(os.environ["KERNELS_LOADER_LIB"])
    lib.kernels_loader_open.argtypes = [ctypes.POINTER(Options), ctypes.POINTER(ctypes.c_void_p),
                                        ctypes.POINTER(ctypes.c_void_p)]
    lib.kernels_loader_load.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                        ctypes.POINTER(ctypes.c_void_p),
                                        ctypes.POINTER(ctypes.c_void_p)]
    lib.kernels_loader_close.argtypes = [ctypes.c_void_p]
    lib.kernels_loader_enabled.argtypes = [ctypes.c_void_p]
    for name in ("repo_id", "commit", "variant", "directory", "library", "ops_namespace",
                 "verification"):
        function = getattr(lib, f"kernels_kernel_{name}")
        function.argtypes = [ctypes.c_void_p]
        function.restype = ctypes.c_char_p
    lib.kernels_kernel_find_layer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.kernels_kernel_find_layer.restype = ctypes.POINTER(Layer)
    lib.kernels_kernel_symbol.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.kernels_kernel_symbol.restype = ctypes.c_void_p
    lib.kernels_error_message.argtypes = [ctypes.c_void_p]
    lib.kernels_error_message.restype = ctypes.c_char_p
    lib.kernels_error_status.argtypes = [ctypes.c_void_p]
    lib.kernels_error_free.argtypes = [ctypes.c_void_p]
    return lib


def open_loader(lib, lockfile, cache_dir, verify_full=0):
    options = Options(str(lockfile).encode(), str(cache_dir).encode(), None, verify_full, None,
                      None)
    loader, error = ctypes.c_void_p(), ctypes.c_void_p()
    status = lib.kernels_loader_open(ctypes.byref(options), ctypes.byref(loader),
                                     ctypes.byref(error))
    return status, loader, error


def take_error(lib, error) -> str:
    message = lib.kernels_error_message(error).decode()
    lib.kernels_error_free(error)
    return message


def test_loads_the_locked_variant_and_its_layer_table(lib, pipeline):
    status, loader, error = open_loader(lib, pipeline["project"], pipeline["cache"])
    assert status == OK, take_error(lib, error)
    try:
        assert lib.kernels_loader_enabled(loader) == 1
        kernel = ctypes.c_void_p()
        status = lib.kernels_loader_load(loader, b"samples/rms-norm", ctypes.byref(kernel),
                                         ctypes.byref(error))
        assert status == OK, take_error(lib, error)
        lock = (pipeline["project"] / "kernels.lock").read_text()
        assert lib.kernels_kernel_commit(kernel).decode() in lock
        variant = lib.kernels_kernel_variant(kernel).decode()
        assert variant.startswith("torch211-cxx11-")
        assert lib.kernels_kernel_verification(kernel) == b"marker"
        namespace = lib.kernels_kernel_ops_namespace(kernel).decode()
        assert namespace.startswith("_rms_norm_")
        assert lib.kernels_kernel_library(kernel).decode().endswith(f"{namespace}.so")
        # The library registered its ops with the dispatcher of this very process.
        assert hasattr(getattr(torch.ops, namespace), "rms_norm")
        layer = lib.kernels_kernel_find_layer(kernel, b"RMSNorm")
        assert layer
        assert layer.contents.forward_signature == b"(Tensor x, Tensor weight, float eps) -> Tensor"
        assert layer.contents.forward
        assert not lib.kernels_kernel_find_layer(kernel, b"LayerNorm")
        assert lib.kernels_kernel_symbol(kernel, b"kernels_layer_table_v1")
    finally:
        lib.kernels_loader_close(loader)


def test_status_codes_name_the_failure(lib, pipeline, tmp_path):
    status, _, error = open_loader(lib, tmp_path / "missing", pipeline["cache"])
    assert status == NOT_FOUND
    assert "kernels.lock" in take_error(lib, error)

    status, loader, error = open_loader(lib, pipeline["project"], tmp_path / "empty-cache")
    assert status == OK, take_error(lib, error)
    kernel = ctypes.c_void_p()
    status = lib.kernels_loader_load(loader, b"samples/relu", ctypes.byref(kernel),
                                     ctypes.byref(error))
    assert status == NOT_FOUND
    assert "not locked" in take_error(lib, error)
    status = lib.kernels_loader_load(loader, b"samples/activation", ctypes.byref(kernel),
                                     ctypes.byref(error))
    assert status == NOT_FOUND
    assert "kernels download" in take_error(lib, error)
    status = lib.kernels_loader_load(loader, b"not a repo", ctypes.byref(kernel),
                                     ctypes.byref(error))
    assert status != OK
    take_error(lib, error)
    lib.kernels_loader_close(loader)
