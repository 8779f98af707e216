"""activation: gated activations of transformer MLPs (CPU and CUDA), one pass over memory."""

import torch

from . import layers
from ._ops import add_op_namespace_prefix, ops


def silu_and_mul(x: torch.Tensor) -> torch.Tensor:
    """silu(x[..., :d]) * x[..., d:] for x of last dimension 2 * d."""
    return ops.silu_and_mul(x)


def gelu_and_mul(x: torch.Tensor) -> torch.Tensor:
    """gelu(x[..., :d]) * x[..., d:] (exact erf GELU) for x of last dimension 2 * d."""
    return ops.gelu_and_mul(x)


__all__ = ["silu_and_mul", "gelu_and_mul", "layers", "ops", "add_op_namespace_prefix"]
