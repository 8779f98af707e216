"""relu: torch.relu as one pass over memory (CPU and CUDA)."""

import torch

from . import layers
from ._ops import add_op_namespace_prefix, ops


def relu(x: torch.Tensor) -> torch.Tensor:
    """max(x, 0) elementwise; float32, float16 or bfloat16; returns a new contiguous tensor."""
    return ops.relu(x)


__all__ = ["relu", "layers", "ops", "add_op_namespace_prefix"]
