"""Layers for kernelize: each replaces the forward of a layer with the same name."""

import torch
from torch import nn

from ._ops import ops


class RMSNorm(nn.Module):
    """Replaces the forward of an RMSNorm module with a `weight` parameter and its epsilon in
    `variance_epsilon` (Transformers' Llama) or `eps` (torch.nn.RMSNorm)."""

    can_torch_compile: bool = True
    has_backward: bool = True

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        eps = getattr(self, "variance_epsilon", None)
        if eps is None:
            eps = getattr(self, "eps", None) or 1e-6
        return ops.rms_norm(hidden_states, self.weight, eps)
