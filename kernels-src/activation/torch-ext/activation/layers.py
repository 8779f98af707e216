"""Layers for kernelize: each replaces the forward of a layer with the same name."""

import torch
from torch import nn

from ._ops import ops


class SiluAndMul(nn.Module):
    """forward(x) = silu(x[..., :d]) * x[..., d:], d = x.shape[-1] // 2."""

    can_torch_compile: bool = True
    has_backward: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ops.silu_and_mul(x)


class GeluAndMul(nn.Module):
    """forward(x) = gelu(x[..., :d]) * x[..., d:] with the exact (erf) GELU."""

    can_torch_compile: bool = True
    has_backward: bool = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ops.gelu_and_mul(x)
