"""`posttrain ppo`: PPO with a KL penalty to the reference (Ouyang et al. 2022; Ziegler et al. 2019).

The critic is a linear value head on the policy's last hidden states (one forward gives both
log-probs and values; saved beside the model as value_head.safetensors). Per rollout:

1. score each completion (task reward or reward model), minus `missing_eos_penalty` if it never
   stopped, normalised by running mean/std (`reward_norm`);
2. per-token reward r_t = −β · KL_t (the estimator named by kl_estimator, on the rollout's log-probs
   against the reference), plus the score on the last token;
3. GAE(γ, λ) on the rollout's values → advantages (whitened over the rollout) and returns;
4. `ppo_epochs` passes of clipped policy loss + vf_coef × clipped value loss, averaged over tokens;
5. with kl_target, β follows the adaptive controller: β ← β · (1 + clip(KL/target − 1, ±0.2) · N/horizon).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from posttrain.losses.rl import gae, kl_estimate, masked_mean, ppo_policy_loss, value_loss
from posttrain.models import lm_parts
from posttrain.train import rollout
from posttrain.train.rl import no_grad_forward


class PolicyWithValue(nn.Module):
    """The policy and a scalar value head reading its last hidden states."""

    def __init__(self, policy):
        super().__init__()
        self.policy = policy
        hidden = lm_parts(policy)[1].weight.shape[1]
        self.value_head = nn.Linear(hidden, 1)
        nn.init.zeros_(self.value_head.weight)
        nn.init.zeros_(self.value_head.bias)


class PPO:
    def __init__(self, cfg, reference):
        self.cfg, self.reference = cfg, reference
        self.beta = cfg.beta
        self.count, self.mean, self.m2 = 0, 0.0, 0.0  # running score statistics (Welford)
        self.value_head = None  # set by run_ppo once the wrapper exists

    def _normalise(self, scores: torch.Tensor) -> torch.Tensor:
        for x in scores.tolist():
            self.count += 1
            d = x - self.mean
            self.mean += d / self.count
            self.m2 += d * (x - self.mean)
        std = math.sqrt(self.m2 / self.count) if self.count > 1 else 1.0
        return (scores - self.mean) / max(std, 1e-4)

    def prepare(self, policy, batch, scores, samples):
        cfg = self.cfg
        mask = batch["mask"]
        if cfg.missing_eos_penalty is not None:
            scores = scores - cfg.missing_eos_penalty * (~torch.tensor(samples.finished)).float()
        norm = self._normalise(scores) if cfg.reward_norm else scores
        old_logps, old_values = no_grad_forward(policy, batch, cfg.temperature, self.value_head)
        ref_logps = self.reference.logps(policy, batch, cfg.temperature)
        kl = kl_estimate(old_logps, ref_logps, cfg.kl_estimator) * mask
        rewards = -self.beta * kl
        last = mask.sum(1) - 1
        rewards[torch.arange(len(last)), last] += norm.to(rewards.device)
        adv, returns = gae(rewards, old_values, mask, cfg.gamma, cfg.lam)
        mu, var = masked_mean(adv, mask), masked_mean((adv - masked_mean(adv, mask)) ** 2, mask)
        adv = (adv - mu) * torch.rsqrt(var + 1e-8) * mask
        seq_kl = float(kl.sum(1).mean())
        resid = masked_mean((returns - old_values - masked_mean(returns - old_values, mask)) ** 2, mask)
        ret_var = masked_mean((returns - masked_mean(returns, mask)) ** 2, mask)
        stats = {f"kl_{cfg.kl_estimator}": seq_kl, "beta": self.beta,
                 "explained_variance": float(1 - resid / ret_var.clamp(min=1e-8)), "score": float(scores.mean())}
        if cfg.kl_target:
            err = max(-0.2, min(0.2, seq_kl / cfg.kl_target - 1))
            self.beta *= 1 + err * len(scores) / cfg.kl_horizon
        return {"old_logps": old_logps, "old_values": old_values, "advantages": adv, "returns": returns}, stats

    def units(self, batch) -> int:
        return int(batch["mask"].sum())

    def step(self, model, batch):
        cfg = self.cfg
        mask = batch["mask"].float()
        logps, values = rollout.token_logps(model.policy, batch, cfg.temperature, model.value_head)
        pg, clipped = ppo_policy_loss(logps, batch["old_logps"], batch["advantages"], cfg.cliprange)
        vl = value_loss(values, batch["old_values"], batch["returns"], cfg.cliprange_value)
        loss = ((pg + cfg.vf_coef * vl) * mask).sum()
        n = batch["n_units"]
        metrics = {"policy_loss": (pg * mask).sum().detach(), "value_loss": (vl * mask).sum().detach(),
                   "clip_fraction": (clipped * mask).sum().detach(),
                   "approx_kl_old": (kl_estimate(logps, batch["old_logps"], "k3") * mask).sum().detach(),
                   **{k: v * n for k, v in batch["stats"].items()}}
        return loss, metrics

    def state_dict(self) -> dict:
        return {"beta": self.beta, "count": self.count, "mean": self.mean, "m2": self.m2}

    def load_state_dict(self, state: dict) -> None:
        if state:
            self.beta, self.count, self.mean, self.m2 = state["beta"], state["count"], state["mean"], state["m2"]


def run_ppo(cfg, stop_after: int | None = None) -> dict:
    from posttrain.train.rl import run_rl

    holder = {}

    def make(reference):
        holder["algo"] = PPO(cfg, reference)
        return holder["algo"]

    def wrap(policy):
        m = PolicyWithValue(policy)
        holder["algo"].value_head = m.value_head
        return m

    return run_rl(cfg, "ppo", make, group=1, epochs=cfg.ppo_epochs, minibatches=cfg.minibatches, stop_after=stop_after,
                  wrap=wrap, unwrap=lambda m: m.policy if isinstance(m, PolicyWithValue) else m)
