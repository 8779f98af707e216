"""rms-norm: RMS normalization of the last dimension (CPU and CUDA), one pass over memory."""

import torch

from . import layers
from ._ops import add_op_namespace_prefix, ops


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """weight * x / sqrt(mean(x**2, -1) + eps), computed in float32, weight of x's dtype."""
    return ops.rms_norm(x, weight, eps)


__all__ = ["rms_norm", "layers", "ops", "add_op_namespace_prefix"]
