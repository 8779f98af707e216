"""Layers for kernelize: each replaces the forward of a layer with the same name."""

import torch
from torch import nn

from ._ops import ops


class ReLU(nn.Module):
    """Replaces torch.nn.ReLU's forward (in-place ReLU is not supported: inplace is ignored)."""

    can_torch_compile: bool = True
    has_backward: bool = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ops.relu(x)
