"""The reference model of preference and RL methods: one provider, four kinds.

- `precompute` (preference only): log-probs computed once before training and carried in the
  batch (`PairBatch.ref_logps`), so no second model is kept;
- `adapter`: the policy with its LoRA adapter disabled — free, and exactly the starting model;
- `copy`: a frozen deep copy of the starting policy, kept beside it;
- `None`: nothing uses a reference (SimPO, ORPO, GRPO without a KL term and without LoRA), so
  none is made.
"""

from __future__ import annotations

import copy

import torch

from posttrain.core.config import ConfigError
from posttrain.nn.lora import disable_adapters

KINDS = (None, "precompute", "adapter", "copy")


def has_lora(model) -> bool:
    return hasattr(model, "posttrain_lora")


class Reference:
    def __init__(self, kind: str | None, policy):
        if kind not in KINDS:
            raise ValueError(f"reference kind must be one of {KINDS}, got {kind!r}")
        if kind == "adapter" and not has_lora(policy):
            raise ConfigError("reference=adapter needs LoRA (lora_r > 0)")
        self.kind = kind
        self.copy = copy.deepcopy(policy).eval().requires_grad_(False) if kind == "copy" else None

    @torch.no_grad()
    def run(self, policy, fn, batch):
        """`fn(model, batch)` under the reference's weights, without gradients."""
        if self.kind == "adapter":
            with disable_adapters(policy):
                return fn(policy, batch)
        if self.kind != "copy":
            raise RuntimeError(f"a {self.kind} reference has no model to run")
        dev = next(policy.parameters()).device
        if next(self.copy.parameters()).device != dev:
            self.copy.to(dev)
        return fn(self.copy, batch)


def preference_kind(reference: str, needs_reference: bool) -> str | None:
    """auto → precompute for the losses that use a reference; none for reference-free losses."""
    if not needs_reference:
        return None
    return "precompute" if reference == "auto" else reference


def rl_kind(reference: str, policy, used: bool) -> str | None:
    """auto → the adapter-disabled policy with LoRA (free, so always kept), else a frozen copy — made
    only when a KL term uses it. An explicit `copy` is always kept (it also gives the held-out KL)."""
    if reference == "auto":
        if has_lora(policy):
            return "adapter"
        return "copy" if used else None
    return reference
