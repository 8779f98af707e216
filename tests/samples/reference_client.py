"""Run in a fresh process by test_interop.py: loads the sample kernels through the reference
tool (PyPI `kernels`) from the Hub at HF_ENDPOINT, checks their ops against torch and kernelizes
a small model with their layers on the CPU. Exits non-zero (with the traceback) on any mismatch.

Usage: reference_client.py ORG BACKEND   (BACKEND: auto, or cpu to ask get_kernel for it)
"""

import sys
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from kernels import (
    LayerRepository,
    Mode,
    get_kernel,
    kernelize,
    use_kernel_forward_from_hub,
    use_kernel_mapping,
)

org, backend = sys.argv[1], sys.argv[2]
options = {"version": 1} if backend == "auto" else {"version": 1, "backend": backend}

relu = get_kernel(f"{org}/relu", **options)
activation = get_kernel(f"{org}/activation", **options)
rms_norm = get_kernel(f"{org}/rms-norm", **options)
print("loaded", relu.__name__, activation.__name__, rms_norm.__name__)

for dtype, tolerance in [(torch.float32, 1e-5), (torch.float16, 2e-3), (torch.bfloat16, 1.6e-2)]:
    x = torch.randn(37, 130, dtype=dtype)
    torch.testing.assert_close(relu.relu(x), torch.relu(x), rtol=0, atol=0)
    expected = (F.silu(x[:, :65].float()) * x[:, 65:].float()).to(dtype)
    torch.testing.assert_close(activation.silu_and_mul(x), expected, rtol=tolerance, atol=tolerance)
    expected = (F.gelu(x[:, :65].float()) * x[:, 65:].float()).to(dtype)
    torch.testing.assert_close(activation.gelu_and_mul(x), expected, rtol=tolerance, atol=tolerance)
    weight = torch.rand(130, dtype=dtype)
    x32 = x.float()
    expected = (weight.float() * x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + 1e-6)).to(dtype)
    torch.testing.assert_close(rms_norm.rms_norm(x, weight, 1e-6), expected, rtol=tolerance,
                               atol=tolerance)
print("ops match torch")

if backend != "auto":
    sys.exit(0)


@use_kernel_forward_from_hub("SiluAndMul")
class SiluAndMul(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = x.shape[-1] // 2
        return F.silu(x[..., :d]) * x[..., d:]


@use_kernel_forward_from_hub("RMSNorm")
class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(hidden) + 0.5)
        self.variance_epsilon = eps

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        return self.weight * (hidden_states * torch.rsqrt(variance + self.variance_epsilon))


@use_kernel_forward_from_hub("ReLU")
class ReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = LlamaRMSNorm(64)
        self.up = nn.Linear(64, 128)
        self.act = SiluAndMul()
        self.relu = ReLU()

    def forward(self, x):
        return self.relu(self.act(self.up(self.norm(x))))


def repo(kernel, layer):
    return {"cpu": LayerRepository(repo_id=f"{org}/{kernel}", layer_name=layer, version=1)}


mapping = {
    "SiluAndMul": repo("activation", "SiluAndMul"),
    "RMSNorm": repo("rms-norm", "RMSNorm"),
    "ReLU": repo("relu", "ReLU"),
}
model = Model()
x = torch.randn(9, 64)
with torch.no_grad():
    expected = model(x)
with use_kernel_mapping(mapping, inherit_mapping=False):
    kernelize(model, mode=Mode.INFERENCE, device="cpu")
    for module, layer in [(model.act, "SiluAndMul"), (model.norm, "RMSNorm"), (model.relu, "ReLU")]:
        owner = module.forward.__func__.__qualname__
        assert owner == f"{layer}.forward", f"{layer} was not kernelized: forward is {owner}"
        assert module.forward.__func__.__module__ != __name__
    with torch.no_grad():
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-5)
    print("kernelize inference: replaced and equal")

    # Training: SiluAndMul and RMSNorm have a backward (has_backward = True) and are replaced;
    # ReLU has none, so the reference keeps the model's own forward for it (fallback).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kernelize(model, mode=Mode.TRAINING, device="cpu")
    assert model.act.forward.__func__ is not SiluAndMul.forward
    assert model.norm.forward.__func__ is not LlamaRMSNorm.forward
    assert model.relu.forward.__func__ is ReLU.forward
    reference = Model()
    reference.load_state_dict(model.state_dict())
    x_kernel = x.clone().requires_grad_()
    x_reference = x.clone().requires_grad_()
    model(x_kernel).square().sum().backward()
    reference(x_reference).square().sum().backward()
    torch.testing.assert_close(x_kernel.grad, x_reference.grad, rtol=1e-4, atol=1e-4)
    for (name, kernel_parameter), reference_parameter in zip(model.named_parameters(),
                                                             reference.parameters()):
        torch.testing.assert_close(kernel_parameter.grad, reference_parameter.grad, rtol=1e-4,
                                   atol=1e-4, msg=lambda message: f"{name}: {message}")
    print("kernelize training: replaced, gradients equal")

    kernelize(model, mode=Mode.INFERENCE | Mode.TORCH_COMPILE, device="cpu")
    assert model.act.forward.__func__ is not SiluAndMul.forward
    print("kernelize torch.compile: replaced")

# Module fusion (Transformers' KernelConfig with a tuple key): RMSNormMLPLayout(norm, mlp) holds a
# block's RMSNorm and MLP parameters in the fused layout, and kernelize swaps its forward for the
# kernel's RMSNormMLP.


class LlamaMLP(nn.Module):
    def __init__(self, hidden: int, intermediate: int):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


norm, mlp = LlamaRMSNorm(64), LlamaMLP(64, 96)
FusedLayout = use_kernel_forward_from_hub("RMSNormMLP")(
    type("RMSNormMLPLayout", (rms_norm.layers.RMSNormMLPLayout,), {}))
fused = nn.Sequential(FusedLayout(norm, mlp))
with torch.no_grad():
    expected = mlp(norm(x))
    torch.testing.assert_close(fused(x), expected, rtol=1e-5, atol=1e-5)
with use_kernel_mapping({"RMSNormMLP": repo("rms-norm", "RMSNormMLP")}, inherit_mapping=False):
    kernelize(fused, mode=Mode.INFERENCE, device="cpu")
owner = fused[0].forward.__func__.__qualname__
assert owner == "RMSNormMLP.forward", f"RMSNormMLP was not kernelized: forward is {owner}"
with torch.no_grad():
    torch.testing.assert_close(fused(x), expected, rtol=1e-5, atol=1e-5)
print("fusion: RMSNormMLP replaced and equal")
