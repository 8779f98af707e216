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


class RMSNormMLP(nn.Module):
    """The fused RMSNorm + MLP of a transformer block (Transformers' module fusion): replaces the
    forward of RMSNormMLPLayout, which holds the norm's `weight` and `variance_epsilon`, the gate
    and up projections merged into `gate_up_proj`, and `down_proj`."""

    can_torch_compile: bool = True
    has_backward: bool = True

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        normed = ops.rms_norm(hidden_states, self.weight, self.variance_epsilon)
        gate, up = self.gate_up_proj(normed).chunk(2, dim=-1)
        return self.down_proj(nn.functional.silu(gate) * up)


class RMSNormMLPLayout(nn.Module):
    """The parameters of RMSNormMLP, built from a Llama-style RMSNorm (`weight`, `variance_epsilon`
    or `eps`) and MLP (`gate_proj`, `up_proj`, `down_proj`, SiLU activation); the order of the
    arguments is the order of the fusion tuple. The weights are copied in the fused layout."""

    def __init__(self, norm: nn.Module, mlp: nn.Module):
        super().__init__()
        eps = getattr(norm, "variance_epsilon", None)
        self.variance_epsilon = eps if eps is not None else (getattr(norm, "eps", None) or 1e-6)
        self.weight = nn.Parameter(norm.weight.detach().clone())
        gate, up = mlp.gate_proj, mlp.up_proj
        self.gate_up_proj = nn.Linear(gate.in_features, gate.out_features + up.out_features,
                                      bias=gate.bias is not None, device=gate.weight.device,
                                      dtype=gate.weight.dtype)
        with torch.no_grad():
            self.gate_up_proj.weight.copy_(torch.cat([gate.weight, up.weight]))
            if gate.bias is not None:
                self.gate_up_proj.bias.copy_(torch.cat([gate.bias, up.bias]))
        self.down_proj = mlp.down_proj

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        normed = hidden_states.to(torch.float32)
        normed = normed * torch.rsqrt(normed.pow(2).mean(-1, keepdim=True) + self.variance_epsilon)
        normed = self.weight * normed.to(hidden_states.dtype)
        gate, up = self.gate_up_proj(normed).chunk(2, dim=-1)
        return self.down_proj(nn.functional.silu(gate) * up)
