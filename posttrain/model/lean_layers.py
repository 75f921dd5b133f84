"""Training-time RMSNorm and gated-MLP activation that keep less for backward.

Autograd keeps every intermediate an op needs for its gradient. For an RMSNorm that is the
normalised activations beside the input; for a gated MLP (`act(gate) * up`) it is `act(gate)`
beside `gate` and `up`. Both can be recomputed from what is kept anyway, at the cost of a few
elementwise ops, so these functions keep only the inputs (and the norm's per-row scale). On
SmolLM2-135M that is ~1/4 of the activation memory of a training step (bench/RESULTS.md).

`install(model)` swaps the forward of every RMSNorm (Llama, Qwen, Mistral style `w · x̂`, and
Gemma style `(1 + w) · x̂`) and every `down(act(gate(x)) * up(x))` MLP; the linear layers stay the
model's own modules, so LoRA and freezing work unchanged, and the weights and saved folders are
untouched. Outputs equal the originals' (tests/model/test_lean_layers.py checks values and gradients).
"""

from __future__ import annotations

import types

import torch
from torch import nn


class _RMSNorm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, eps: float, gemma: bool):
        xf = x.float()
        rstd = torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
        xhat = xf * rstd
        if gemma:  # computed in fp32, then cast back: Gemma3RMSNorm
            y = (xhat * (1.0 + weight.float())).type_as(x)
        else:  # the weight times x̂ in the input's dtype: LlamaRMSNorm (and its copies)
            y = weight * xhat.to(x.dtype)
        ctx.save_for_backward(x, weight, rstd)
        ctx.gemma = gemma
        return y

    @staticmethod
    def backward(ctx, dy):
        x, weight, rstd = ctx.saved_tensors
        xhat = x.float() * rstd
        scale = weight.float() + (1.0 if ctx.gemma else 0.0)
        xhat_in = xhat if ctx.gemma else xhat.to(x.dtype).float()  # what the forward multiplied the weight by
        dyf = dy.float()
        dw = None
        if ctx.needs_input_grad[1]:
            dw = (dyf * xhat_in).reshape(-1, xhat.shape[-1]).sum(0).to(weight.dtype)
        dx = None
        if ctx.needs_input_grad[0]:
            g = dyf * scale
            dx = (rstd * (g - xhat * (g * xhat).mean(-1, keepdim=True))).to(x.dtype)
        return dx, dw, None, None


class _GatedAct(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gate, up, act):
        ctx.act = act
        ctx.save_for_backward(gate, up)
        return act(gate) * up

    @staticmethod
    def backward(ctx, dh):
        gate, up = ctx.saved_tensors
        with torch.enable_grad():
            g = gate.detach().requires_grad_()
            a = ctx.act(g)
        d_gate = torch.autograd.grad(a, g, dh * up)[0] if ctx.needs_input_grad[0] else None
        d_up = dh * a.detach() if ctx.needs_input_grad[1] else None
        return d_gate, d_up, None


def _norm_forward(self, x):
    if not torch.is_grad_enabled():
        return self._lean_original(x)
    return _RMSNorm.apply(x, self.weight, self._lean_eps, self._lean_gemma)


def _mlp_forward(self, x):
    if not torch.is_grad_enabled():
        return self._lean_original(x)
    return self.down_proj(_GatedAct.apply(self.gate_proj(x), self.up_proj(x), self.act_fn))


def _norm_kind(module: nn.Module) -> tuple[float, bool] | None:
    """(eps, gemma-style `(1 + w)`) for an RMSNorm this file knows, else None."""
    name = type(module).__name__
    if not name.endswith("RMSNorm") or getattr(module, "weight", None) is None:
        return None
    if name.startswith("Gemma"):
        return (module.eps, True) if hasattr(module, "eps") else None
    eps = getattr(module, "variance_epsilon", None)
    return (eps, False) if eps is not None else None


def install(model: nn.Module) -> int:
    """Swap in the lean forwards (training only: under no_grad the originals run). Returns how many
    modules were changed; idempotent."""
    n = 0
    for module in model.modules():
        if hasattr(module, "_lean_original"):
            continue
        kind = _norm_kind(module)
        if kind is not None:
            module._lean_eps, module._lean_gemma = kind
            module._lean_original = module.forward
            module.forward = types.MethodType(_norm_forward, module)
            n += 1
        elif all(hasattr(module, a) for a in ("gate_proj", "up_proj", "down_proj", "act_fn")):
            module._lean_original = module.forward
            module.forward = types.MethodType(_mlp_forward, module)
            n += 1
    return n
