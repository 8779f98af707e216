"""Each sample op against the plain torch expression it replaces, on every device under test.

Shapes include sizes that are not multiples of the vector width, empty tensors and
non-contiguous inputs (the ops copy those into a contiguous buffer first).
"""

import pytest
import torch
import torch.nn.functional as F

from conftest import devices, kernel_for

DTYPES = [torch.float32, torch.float16, torch.bfloat16]
# 16-bit results are rounded once by the kernels but twice or more by the torch expressions.
TOLERANCE = {
    torch.float32: dict(rtol=1e-5, atol=1e-5),
    torch.float16: dict(rtol=2e-3, atol=2e-3),
    torch.bfloat16: dict(rtol=1.6e-2, atol=1.6e-2),
}
SHAPES = [(1,), (7,), (8,), (33,), (3, 17), (4, 64), (5, 1000), (2, 3, 129), (256, 1024)]


def reference_rms_norm(x, weight, eps):
    """Transformers' LlamaRMSNorm, with the weight applied before the final rounding."""
    x32 = x.to(torch.float32)
    variance = x32.pow(2).mean(-1, keepdim=True)
    return (weight.to(torch.float32) * (x32 * torch.rsqrt(variance + eps))).to(x.dtype)


def gated(act, x):
    d = x.shape[-1] // 2
    return act(x[..., :d].float()).mul(x[..., d:].float()).to(x.dtype)


@pytest.fixture(params=devices())
def device(request):
    return request.param


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_relu_matches_torch(device, dtype, shape):
    relu = kernel_for("relu", device)
    x = torch.randn(shape, dtype=dtype, device=device)
    torch.testing.assert_close(relu.relu(x), torch.relu(x), rtol=0, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_keeps_nan_and_infinities(device, dtype):
    relu = kernel_for("relu", device)
    x = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 0.0, -1.5, 2.5] * 5,
                     dtype=dtype, device=device)
    torch.testing.assert_close(relu.relu(x), torch.relu(x), rtol=0, atol=0, equal_nan=True)


@pytest.mark.parametrize("op,act", [("silu_and_mul", F.silu), ("gelu_and_mul", F.gelu)])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2,), (3, 2), (4, 14), (5, 16), (7, 34), (2, 3, 258), (64, 2048)])
def test_gated_activation_matches_torch(device, op, act, dtype, shape):
    activation = kernel_for("activation", device)
    x = torch.randn(shape, dtype=dtype, device=device) * 3
    torch.testing.assert_close(getattr(activation, op)(x), gated(act, x), **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1,), (3, 7), (4, 8), (5, 100), (2, 3, 129), (64, 4096), (2, 20000)])
def test_rms_norm_matches_torch(device, dtype, shape):
    rms_norm = kernel_for("rms-norm", device)
    x = torch.randn(shape, dtype=dtype, device=device)
    weight = torch.rand(shape[-1], dtype=dtype, device=device) + 0.5
    torch.testing.assert_close(rms_norm.rms_norm(x, weight, 1e-5),
                               reference_rms_norm(x, weight, 1e-5), **TOLERANCE[dtype])


def test_empty_tensors(device):
    relu = kernel_for("relu", device)
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)
    assert relu.relu(torch.empty(0, 5, device=device)).shape == (0, 5)
    assert activation.silu_and_mul(torch.empty(0, 8, device=device)).shape == (0, 4)
    assert activation.gelu_and_mul(torch.empty(3, 0, device=device)).shape == (3, 0)
    out = rms_norm.rms_norm(torch.empty(0, 16, device=device), torch.ones(16, device=device), 1e-6)
    assert out.shape == (0, 16)


@pytest.mark.parametrize("dtype", DTYPES)
def test_non_contiguous_inputs(device, dtype):
    relu = kernel_for("relu", device)
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)
    base = torch.randn(32, 66, dtype=dtype, device=device)
    transposed = base.t()  # (66, 32), strides (1, 66)
    sliced = base[:, 1:65]  # rows of 64 with a stride of 66, misaligned by one element
    torch.testing.assert_close(relu.relu(transposed), torch.relu(transposed), rtol=0, atol=0)
    torch.testing.assert_close(activation.silu_and_mul(sliced), gated(F.silu, sliced),
                               **TOLERANCE[dtype])
    weight = torch.rand(64, dtype=dtype, device=device)
    torch.testing.assert_close(rms_norm.rms_norm(sliced, weight, 1e-6),
                               reference_rms_norm(sliced, weight, 1e-6), **TOLERANCE[dtype])
    strided_weight = torch.rand(128, dtype=dtype, device=device)[::2]
    torch.testing.assert_close(rms_norm.rms_norm(sliced, strided_weight, 1e-6),
                               reference_rms_norm(sliced, strided_weight, 1e-6), **TOLERANCE[dtype])


def test_bad_inputs_are_refused_with_a_clear_error(device):
    relu = kernel_for("relu", device)
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)
    with pytest.raises(RuntimeError, match="relu: dtype Int is not supported"):
        relu.relu(torch.ones(3, dtype=torch.int32, device=device))
    with pytest.raises(RuntimeError, match="silu_and_mul: the last dimension must be even"):
        activation.silu_and_mul(torch.ones(2, 5, device=device))
    with pytest.raises(RuntimeError, match="rms_norm: weight must be one-dimensional"):
        rms_norm.rms_norm(torch.ones(2, 5, device=device), torch.ones(4, device=device), 1e-6)
    with pytest.raises(RuntimeError, match="rms_norm: weight has dtype"):
        rms_norm.rms_norm(torch.ones(2, 4, device=device),
                          torch.ones(4, dtype=torch.float16, device=device), 1e-6)


def test_meta_tensors_give_shapes_for_tracing():
    activation = kernel_for("activation", "cpu")
    rms_norm = kernel_for("rms-norm", "cpu")
    x = torch.empty(4, 10, device="meta")
    assert activation.ops.silu_and_mul(x).shape == (4, 5)
    assert rms_norm.ops.rms_norm(x, torch.empty(10, device="meta"), 1e-6).shape == (4, 10)


def test_torch_compile_traces_the_ops(device):
    activation = kernel_for("activation", device)
    compiled = torch.compile(lambda x: activation.ops.silu_and_mul(x) * 2, backend="aot_eager",
                             fullgraph=True)
    x = torch.randn(8, 32, device=device)
    torch.testing.assert_close(compiled(x), gated(F.silu, x) * 2)


def test_cuda_variant_also_serves_cpu_tensors():
    # A CUDA build of torch selects only CUDA variants, also for a model on the CPU.
    from conftest import built_variants, load_variant

    variants = {kernel: built_variants(kernel).get("cuda") for kernel in ("relu", "activation", "rms-norm")}
    if None in variants.values():
        pytest.skip("no CUDA variants were built")
    relu, activation, rms_norm = (load_variant(path) for path in variants.values())
    x = torch.randn(5, 66, dtype=torch.bfloat16)
    torch.testing.assert_close(relu.relu(x), torch.relu(x), rtol=0, atol=0)
    torch.testing.assert_close(activation.gelu_and_mul(x), gated(F.gelu, x), **TOLERANCE[torch.bfloat16])
    weight = torch.rand(66, dtype=torch.bfloat16)
    torch.testing.assert_close(rms_norm.rms_norm(x, weight, 1e-6), reference_rms_norm(x, weight, 1e-6),
                               **TOLERANCE[torch.bfloat16])
