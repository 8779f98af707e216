"""The backward of the sample ops (rms_norm, silu_and_mul, gelu_and_mul) against the autograd
gradients of the plain torch expressions they replace, on every device under test.

torch.autograd.gradcheck needs float64, which the kernels do not take, so the reference is torch's
own autograd through the expression in float32 (test_ops.py's reference functions). Shapes include
sizes that are not multiples of the vector width, several grad_weight blocks, empty tensors,
3-D and non-contiguous inputs, and a non-contiguous incoming gradient.
"""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from conftest import devices, kernel_for
from test_ops import DTYPES, gated, reference_rms_norm

# Gradients are rounded once by the kernels and once by the reference's final cast, but the
# reference's float32 arithmetic happens in another order (grad_weight sums over rows).
GRAD_TOLERANCE = {
    torch.float32: dict(rtol=1e-4, atol=1e-5),
    torch.float16: dict(rtol=4e-3, atol=4e-3),
    torch.bfloat16: dict(rtol=3e-2, atol=3e-2),
}
GATED = [("silu_and_mul", F.silu), ("gelu_and_mul", F.gelu)]


@pytest.fixture(params=devices())
def device(request):
    return request.param


def grads_of(function, inputs, grad_output):
    """The gradients of inputs after function(*inputs).backward(grad_output), on fresh leaves."""
    leaves = [tensor.detach().clone().requires_grad_() for tensor in inputs]
    output = function(*leaves)
    output.backward(grad_output)
    return output, [leaf.grad for leaf in leaves]


def assert_close_scaled(actual, expected, dtype):
    """assert_close with the absolute tolerance scaled by the reference's magnitude: grad_weight
    is a sum over rows and grows with them."""
    tolerance = dict(GRAD_TOLERANCE[dtype])
    scale = expected.abs().max().item() if expected.numel() else 1.0
    tolerance["atol"] *= max(1.0, scale)
    torch.testing.assert_close(actual, expected, **tolerance)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape", [(1,), (7,), (3, 7), (4, 8), (5, 100), (2, 3, 129), (300, 33), (64, 4096), (2, 20000)]
)
def test_rms_norm_gradients_match_torch(device, dtype, shape):
    rms_norm = kernel_for("rms-norm", device)
    x = torch.randn(shape, dtype=dtype, device=device)
    weight = torch.rand(shape[-1], dtype=dtype, device=device) + 0.5
    grad = torch.randn(shape, dtype=dtype, device=device)
    out, (grad_x, grad_weight) = grads_of(lambda a, w: rms_norm.rms_norm(a, w, 1e-5), [x, weight], grad)
    expected_out, (expected_x, expected_weight) = grads_of(
        lambda a, w: reference_rms_norm(a, w, 1e-5), [x, weight], grad)
    assert out.requires_grad and out.grad_fn is not None
    assert grad_x.dtype == dtype and grad_weight.dtype == dtype
    assert grad_x.shape == x.shape and grad_weight.shape == weight.shape
    assert_close_scaled(grad_x, expected_x, dtype)
    assert_close_scaled(grad_weight, expected_weight, dtype)


@pytest.mark.parametrize("op,act", GATED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2,), (3, 2), (4, 14), (5, 16), (7, 34), (2, 3, 258), (64, 2048)])
def test_gated_activation_gradients_match_torch(device, op, act, dtype, shape):
    activation = kernel_for("activation", device)
    x = torch.randn(shape, dtype=dtype, device=device) * 3
    grad = torch.randn(*shape[:-1], shape[-1] // 2, dtype=dtype, device=device)
    _, (grad_x,) = grads_of(getattr(activation, op), [x], grad)
    _, (expected,) = grads_of(lambda a: gated(act, a), [x], grad)
    assert grad_x.dtype == dtype and grad_x.shape == x.shape
    torch.testing.assert_close(grad_x, expected, **GRAD_TOLERANCE[dtype])


@pytest.mark.parametrize("op,act", GATED)
def test_gated_activation_gradients_at_extremes(device, op, act):
    # Large |x|: sigmoid saturates (silu' -> 0 or 1), the normal density underflows (gelu').
    activation = kernel_for("activation", device)
    gate = torch.tensor([-100.0, -30.0, -8.0, -1e-3, 0.0, 1e-3, 8.0, 30.0, 100.0], device=device)
    x = torch.cat([gate, torch.linspace(-2, 2, gate.numel(), device=device)])
    grad = torch.ones(gate.numel(), device=device)
    _, (grad_x,) = grads_of(getattr(activation, op), [x], grad)
    _, (expected,) = grads_of(lambda a: gated(act, a), [x], grad)
    torch.testing.assert_close(grad_x, expected, rtol=1e-5, atol=1e-5)


def test_backward_of_empty_tensors(device):
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)
    x = torch.empty(0, 16, device=device, requires_grad=True)
    weight = torch.ones(16, device=device, requires_grad=True)
    rms_norm.rms_norm(x, weight, 1e-6).sum().backward()
    assert x.grad.shape == (0, 16)
    torch.testing.assert_close(weight.grad, torch.zeros(16, device=device))
    for shape in [(0, 8), (3, 0)]:
        x = torch.empty(shape, device=device, requires_grad=True)
        activation.silu_and_mul(x).sum().backward()
        assert x.grad.shape == shape


@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_of_non_contiguous_inputs_and_gradients(device, dtype):
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)
    base = torch.randn(32, 66, dtype=dtype, device=device)
    for x in [base.t(), base[:, 1:65]]:  # transposed; rows of 64 with a stride of 66
        grad = torch.randn(x.shape[0], x.shape[1] // 2, dtype=dtype, device=device).t().contiguous().t()
        _, (grad_x,) = grads_of(activation.gelu_and_mul, [x], grad)
        _, (expected,) = grads_of(lambda a: gated(F.gelu, a), [x], grad)
        torch.testing.assert_close(grad_x, expected, **GRAD_TOLERANCE[dtype])

        weight = torch.rand(2 * x.shape[1], dtype=dtype, device=device)[::2] + 0.5
        grad = torch.randn(x.shape[1], x.shape[0], dtype=dtype, device=device).t()
        _, (grad_x, grad_weight) = grads_of(lambda a, w: rms_norm.rms_norm(a, w, 1e-6), [x, weight], grad)
        _, (expected_x, expected_weight) = grads_of(
            lambda a, w: reference_rms_norm(a, w, 1e-6), [x, weight], grad)
        assert_close_scaled(grad_x, expected_x, dtype)
        assert_close_scaled(grad_weight, expected_weight, dtype)


def test_expanded_incoming_gradient(device):
    # out.sum().backward() hands the op a gradient with zero strides (an expanded scalar).
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)
    x = torch.randn(6, 40, device=device)
    weight = torch.rand(40, device=device) + 0.5
    ones = torch.ones((), device=device).expand(6, 40)
    _, (grad_x, grad_weight) = grads_of(lambda a, w: rms_norm.rms_norm(a, w, 1e-6), [x, weight], ones)
    _, (expected_x, expected_weight) = grads_of(lambda a, w: reference_rms_norm(a, w, 1e-6),
                                                [x, weight], ones)
    torch.testing.assert_close(grad_x, expected_x, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(grad_weight, expected_weight, rtol=1e-4, atol=1e-5)
    _, (grad_x,) = grads_of(activation.silu_and_mul, [x], ones[:, :20])
    _, (expected,) = grads_of(lambda a: gated(F.silu, a), [x], ones[:, :20])
    torch.testing.assert_close(grad_x, expected, rtol=1e-4, atol=1e-5)


def test_only_the_inputs_that_require_grad_get_one(device):
    rms_norm = kernel_for("rms-norm", device)
    activation = kernel_for("activation", device)
    x = torch.randn(4, 8, device=device)
    weight = torch.rand(8, device=device, requires_grad=True)
    rms_norm.rms_norm(x, weight, 1e-6).sum().backward()
    assert x.grad is None and weight.grad is not None
    assert not activation.silu_and_mul(x).requires_grad
    with torch.no_grad():
        assert not rms_norm.rms_norm(x, weight, 1e-6).requires_grad


def test_backward_ops_directly(device):
    rms_norm = kernel_for("rms-norm", device)
    activation = kernel_for("activation", device)
    x = torch.randn(5, 24, device=device)
    weight = torch.rand(24, device=device) + 0.5
    grad = torch.randn(5, 24, device=device)
    grad_x, grad_weight = rms_norm.ops.rms_norm_backward(grad, x, weight, 1e-6)
    _, (expected_x, expected_weight) = grads_of(lambda a, w: reference_rms_norm(a, w, 1e-6),
                                                [x, weight], grad)
    torch.testing.assert_close(grad_x, expected_x, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(grad_weight, expected_weight, rtol=1e-4, atol=1e-5)
    grad = torch.randn(5, 12, device=device)
    _, (expected,) = grads_of(lambda a: gated(F.silu, a), [x], grad)
    torch.testing.assert_close(activation.ops.silu_and_mul_backward(grad, x), expected,
                               rtol=1e-4, atol=1e-5)


def test_backward_ops_refuse_mismatched_gradients(device):
    rms_norm = kernel_for("rms-norm", device)
    activation = kernel_for("activation", device)
    x = torch.randn(4, 8, device=device)
    weight = torch.ones(8, device=device)
    with pytest.raises(RuntimeError, match="rms_norm_backward: grad has shape"):
        rms_norm.ops.rms_norm_backward(torch.ones(4, 7, device=device), x, weight, 1e-6)
    with pytest.raises(RuntimeError, match="rms_norm_backward: grad has dtype"):
        rms_norm.ops.rms_norm_backward(torch.ones(4, 8, dtype=torch.float16, device=device), x,
                                       weight, 1e-6)
    with pytest.raises(RuntimeError, match="gelu_and_mul_backward: grad has shape"):
        activation.ops.gelu_and_mul_backward(torch.ones(4, 8, device=device), x)


def test_backward_ops_have_meta_kernels():
    rms_norm = kernel_for("rms-norm", "cpu")
    activation = kernel_for("activation", "cpu")
    x = torch.empty(4, 10, device="meta")
    grad_x, grad_weight = rms_norm.ops.rms_norm_backward(x, x, torch.empty(10, device="meta"), 1e-6)
    assert grad_x.shape == (4, 10) and grad_weight.shape == (10,)
    grad = torch.empty(4, 5, device="meta")
    assert activation.ops.silu_and_mul_backward(grad, x).shape == (4, 10)
    assert activation.ops.gelu_and_mul_backward(grad, x).shape == (4, 10)
    # The autograd kernel also serves meta tensors (what torch.compile's tracing sees).
    leaf = torch.empty(4, 10, device="meta", requires_grad=True)
    activation.ops.silu_and_mul(leaf).sum().backward()
    assert leaf.grad.shape == (4, 10)


def test_torch_compile_traces_forward_and_backward(device):
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)

    def step(x, weight):
        return activation.ops.silu_and_mul(rms_norm.ops.rms_norm(x, weight, 1e-6)).square().sum()

    compiled = torch.compile(step, backend="aot_eager", fullgraph=True)
    x = torch.randn(8, 32, device=device)
    weight = torch.rand(32, device=device) + 0.5
    _, grads = grads_of(compiled, [x, weight], torch.ones((), device=device))
    _, expected = grads_of(lambda a, w: gated(F.silu, reference_rms_norm(a, w, 1e-6)).square().sum(),
                           [x, weight], torch.ones((), device=device))
    for actual, reference in zip(grads, expected):
        torch.testing.assert_close(actual, reference, rtol=1e-4, atol=1e-4)


class TinyModel(nn.Module):
    """Embedding, RMSNorm, an MLP with SiluAndMul: the lead's C++ end-to-end model, in Python."""

    def __init__(self, norm_forward, act_forward):
        super().__init__()
        self.embed = nn.Embedding(50, 32)
        self.norm_weight = nn.Parameter(torch.rand(32) + 0.5)
        self.up = nn.Linear(32, 128)
        self.down = nn.Linear(64, 50)
        self.norm_forward, self.act_forward = norm_forward, act_forward

    def forward(self, tokens):
        hidden = self.norm_forward(self.embed(tokens), self.norm_weight, 1e-6)
        return self.down(self.act_forward(self.up(hidden)))


def test_training_steps_through_the_kernels_match_torch(device):
    activation = kernel_for("activation", device)
    rms_norm = kernel_for("rms-norm", device)
    torch.manual_seed(0)
    kernel_model = TinyModel(rms_norm.rms_norm, activation.silu_and_mul).to(device)
    torch.manual_seed(0)
    torch_model = TinyModel(reference_rms_norm, lambda x: gated(F.silu, x)).to(device)
    tokens = torch.randint(0, 50, (4, 9), device=device)
    targets = torch.randint(0, 50, (4, 9), device=device)
    losses = []
    for model in (kernel_model, torch_model):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        history = []
        for _ in range(5):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(tokens).flatten(0, 1), targets.flatten())
            loss.backward()
            optimizer.step()
            history.append(loss.item())
        losses.append(history)
    assert losses[0][-1] < losses[0][0]
    torch.testing.assert_close(torch.tensor(losses[0]), torch.tensor(losses[1]), rtol=1e-4, atol=1e-4)
    for (name, kernel_parameter), torch_parameter in zip(kernel_model.named_parameters(),
                                                         torch_model.parameters()):
        torch.testing.assert_close(kernel_parameter, torch_parameter, rtol=1e-4, atol=1e-4,
                                   msg=lambda message: f"{name}: {message}")


def test_python_layers_say_which_have_a_backward():
    assert kernel_for("rms-norm", "cpu").layers.RMSNorm.has_backward is True
    assert kernel_for("activation", "cpu").layers.SiluAndMul.has_backward is True
    assert kernel_for("activation", "cpu").layers.GeluAndMul.has_backward is True
    assert kernel_for("relu", "cpu").layers.ReLU.has_backward is False


def test_cuda_variant_also_differentiates_cpu_tensors():
    # A CUDA build of torch selects only CUDA variants, also for training a model on the CPU.
    from conftest import built_variants, load_variant

    variants = {kernel: built_variants(kernel).get("cuda") for kernel in ("activation", "rms-norm")}
    if None in variants.values():
        pytest.skip("no CUDA variants were built")
    activation, rms_norm = (load_variant(path) for path in variants.values())
    x = torch.randn(5, 66, dtype=torch.bfloat16)
    weight = torch.rand(66, dtype=torch.bfloat16) + 0.5
    grad = torch.randn(5, 66, dtype=torch.bfloat16)
    _, actual = grads_of(lambda a, w: rms_norm.rms_norm(a, w, 1e-6), [x, weight], grad)
    _, expected = grads_of(lambda a, w: reference_rms_norm(a, w, 1e-6), [x, weight], grad)
    for a, e in zip(actual, expected):
        assert_close_scaled(a, e, torch.bfloat16)
    _, (grad_x,) = grads_of(activation.gelu_and_mul, [x], grad[:, :33])
    _, (expected_x,) = grads_of(lambda a: gated(F.gelu, a), [x], grad[:, :33])
    torch.testing.assert_close(grad_x, expected_x, **GRAD_TOLERANCE[torch.bfloat16])
