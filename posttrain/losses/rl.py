"""Online-RL maths as pure functions of tensors: KL estimators, GAE, PPO's clipped losses, GRPO.

Shapes: per-token tensors are (B, T) with a float/bool `mask` (B, T) marking response tokens;
per-sequence tensors are (B,).

- KL estimators of KL(π‖π_ref) from samples of π, with r = log π_ref − log π per token
  (Schulman 2020, "Approximating KL divergence"): k1 = −r (unbiased, high variance, can be
  negative), k2 = r²/2 (biased, low variance), k3 = eʳ − 1 − r (unbiased, ≥ 0; GRPO's choice).
- GAE (Schulman et al. 2016): δ_t = r_t + γ V_{t+1} − V_t, A_t = Σ (γλ)^k δ_{t+k}; V after the
  last response token is 0 (the episode ends there); returns = A + V.
- PPO clipped surrogate (Schulman et al. 2017): −min(ρA, clip(ρ, 1−ε, 1+ε_high)A), ρ = π/π_old;
  value loss ½ max((V−R)², (V_old + clip(V−V_old, ±ε_v) − R)²).
- GRPO (Shao et al. 2024): advantages are rewards normalised within each group of G samples of
  one prompt; variants differ in normalisation (Dr. GRPO, Liu et al. 2025: no std division, no
  per-sequence length normalisation; DAPO, Yu et al. 2025: token-level mean over the batch,
  clip-higher ε_high > ε, groups whose rewards all agree dropped).
"""

from __future__ import annotations

import torch


def kl_estimate(logp: torch.Tensor, ref_logp: torch.Tensor, kind: str = "k3") -> torch.Tensor:
    r = ref_logp - logp
    if kind == "k1":
        return -r
    if kind == "k2":
        return 0.5 * r * r
    if kind == "k3":
        return torch.expm1(r) - r
    raise ValueError(f"unknown KL estimator {kind!r}: k1, k2 or k3")


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim=None) -> torch.Tensor:
    mask = mask.to(x.dtype)
    if dim is None:
        return (x * mask).sum() / mask.sum().clamp(min=1)
    return (x * mask).sum(dim) / mask.sum(dim).clamp(min=1)


def gae(rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float = 1.0, lam: float = 0.95):
    """(advantages, returns), both (B, T) and zero outside the mask. Response tokens are contiguous."""
    mask = mask.to(values.dtype)
    B, T = rewards.shape
    adv = torch.zeros_like(values)
    last = torch.zeros(B, dtype=values.dtype, device=values.device)
    next_value = torch.zeros(B, dtype=values.dtype, device=values.device)
    for t in reversed(range(T)):
        m = mask[:, t]
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        last = (delta + gamma * lam * last) * m
        adv[:, t] = last
        # outside the response the running sums restart: the next token's value is 0 past the end
        next_value = values[:, t] * m
    return adv, (adv + values) * mask


def ppo_policy_loss(logp, old_logp, advantages, clip: float = 0.2, clip_high: float | None = None):
    """Per-token clipped surrogate (to minimise) and a per-token 0/1 'was clipped' tensor."""
    ratio = torch.exp(logp - old_logp)
    hi = clip if clip_high is None else clip_high
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1 - clip, 1 + hi) * advantages
    loss = -torch.minimum(unclipped, clipped)
    return loss, (clipped < unclipped).to(logp.dtype)


def value_loss(values, old_values, returns, clip: float = 0.2):
    clipped = old_values + torch.clamp(values - old_values, -clip, clip)
    return 0.5 * torch.maximum((values - returns) ** 2, (clipped - returns) ** 2)


def group_advantages(rewards: torch.Tensor, group_size: int, scale_std: bool = True, eps: float = 1e-4):
    """Rewards (N·G,) of G consecutive samples per prompt → advantages (N·G,): r − mean(group),
    divided by the group's std when `scale_std` (GRPO), not (Dr. GRPO)."""
    g = rewards.view(-1, group_size)
    adv = g - g.mean(1, keepdim=True)
    if scale_std:
        adv = adv / (g.std(1, keepdim=True) + eps)
    return adv.reshape(-1)


def informative_groups(rewards: torch.Tensor, group_size: int) -> torch.Tensor:
    """(N,) bool: groups whose rewards are not all equal (DAPO's dynamic sampling keeps only these:
    the others have zero advantage everywhere and only dilute the batch)."""
    g = rewards.view(-1, group_size)
    return (g.max(1).values - g.min(1).values) > 0


GRPO_VARIANTS = {
    # name: (divide advantages by the group std, how token losses are averaged, default clip_high)
    "grpo": (True, "sequence", None),
    "dr_grpo": (False, "constant", None),
    "dapo": (True, "token", 0.28),
}


def grpo_loss(logp, old_logp, advantages, mask, variant: str = "grpo", clip: float = 0.2,
              clip_high: float | None = None, ref_logp=None, beta: float = 0.0, max_len: int | None = None):
    """Scalar loss and metrics. `advantages` (B,) per sequence, broadcast over its tokens.

    sequence (GRPO): mean over each sequence's tokens, then over sequences; token (DAPO): mean
    over all tokens of the batch; constant (Dr. GRPO): sum over tokens / (B · max_len), which
    removes the bias towards long wrong answers that per-sequence averaging has."""
    if variant not in GRPO_VARIANTS:
        raise ValueError(f"unknown GRPO variant {variant!r}: {', '.join(GRPO_VARIANTS)}")
    _, norm, default_high = GRPO_VARIANTS[variant]
    hi = clip_high if clip_high is not None else default_high
    per_token, clipped = ppo_policy_loss(logp, old_logp, advantages[:, None].expand_as(logp), clip, hi)
    kl = None
    if ref_logp is not None and beta:
        kl = kl_estimate(logp, ref_logp, "k3")
        per_token = per_token + beta * kl
    m = mask.to(logp.dtype)
    if norm == "sequence":
        loss = masked_mean(per_token, m, dim=1).mean()
    elif norm == "token":
        loss = masked_mean(per_token, m)
    else:
        loss = (per_token * m).sum() / (logp.shape[0] * (max_len or logp.shape[1]))
    ratio = torch.exp(logp - old_logp).detach()
    metrics = {"clip_fraction": masked_mean(clipped, m).detach(), "ratio": masked_mean(ratio, m)}
    if kl is not None:
        metrics["kl"] = masked_mean(kl, m).detach()
    return loss, metrics
