"""Prints what the sample kernels' CMake needs to know about the Torch of this Python.

One `key=value` line each: the CMake prefix path Torch publishes, its version, its C++ ABI, the
CUDA version it was built with (empty for a CPU-only Torch), and the variant name parts for this
machine (kernels-spec.md section 5.1: `torch{MM}-cxx11-{compute}-{arch}-linux`).
"""

import platform

import torch
import torch.utils

machine = platform.machine()
machine = {"arm64": "aarch64", "AMD64": "x86_64"}.get(machine, machine)
major, minor = torch.__version__.split("+")[0].split(".")[:2]
cuda = torch.version.cuda or ""
print(f"prefix={torch.utils.cmake_prefix_path}")
print(f"version={torch.__version__.split('+')[0]}")
print(f"framework=torch{major}{minor}")
print(f"cxx11_abi={int(torch._C._GLIBCXX_USE_CXX11_ABI)}")
print(f"cuda={cuda}")
print(f"compute_cuda=cu{''.join(cuda.split('.')[:2])}" if cuda else "compute_cuda=")
print(f"cpu={machine}")
print(f"os={platform.system().lower()}")
