"""`posttrain ppo`: PPO with a KL penalty to the reference (Ouyang et al. 2022; Ziegler et al. 2019).

The critic is a linear value head on the policy's last hidden states (one forward gives both
log-probs and values; saved beside the model as value_head.safetensors). Per rollout:

1. score each completion (task reward or reward model), minus `missing_eos_penalty` if it never
   stopped, normalised by running mean/std (`reward_norm`);
2. per-token reward r_t = −β · KL_t (the estimator named by kl_estimator, on the rollout's log-probs
   against the reference), plus the score on the last token;
3. GAE(γ, λ) on the rollout's values → advantages (whitened over the rollout of all processes) and returns;
4. `ppo_epochs` passes of clipped policy loss + vf_coef × clipped value loss, averaged over tokens;
5. with kl_target, β follows the adaptive controller: β ← β · (1 + clip(KL/target − 1, ±0.2) · N/horizon).
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from posttrain.model.forward import token_logps
from posttrain.losses.rl import gae, kl_estimate, masked_mean, ppo_policy_loss, value_loss
from posttrain.model.hf import lm_parts
from posttrain.core.runtime import Runtime
from posttrain.train.configs import PPOConfig
from posttrain.train.loop import fit
from posttrain.train.output import write_run_files
from posttrain.train.reference import Reference, rl_kind
from posttrain.train.rl import RLSetup, RolloutMethod, no_grad_forward, reference_token_logps


class PolicyWithValue(nn.Module):
    """The policy and a scalar value head reading its last hidden states."""

    def __init__(self, policy):
        super().__init__()
        self.policy = policy
        hidden = lm_parts(policy)[1].weight.shape[1]
        self.value_head = nn.Linear(hidden, 1)
        nn.init.zeros_(self.value_head.weight)
        nn.init.zeros_(self.value_head.bias)


class RunningMoments:
    """Running mean and std of scores over all rollouts so far, saved in checkpoints. Each rollout's
    statistics are summed over all processes first, so every rank holds the same state, and the
    one that rank 0 saves is the whole run's."""

    def __init__(self):
        self.count, self.mean, self.m2 = 0, 0.0, 0.0

    def update(self, count: int, mean: float, m2: float) -> None:
        """Merge a batch's count, mean and sum of squared deviations (Chan, Golub & LeVeque 1979)."""
        total = self.count + count
        d = mean - self.mean
        self.mean += d * count / total
        self.m2 += m2 + d * d * self.count * count / total
        self.count = total

    def normalise(self, scores: torch.Tensor, rt: Runtime) -> torch.Tensor:
        count = int(rt.all_sum(len(scores)))
        mean = rt.all_sum(float(scores.double().sum())) / count
        self.update(count, mean, rt.all_sum(float(((scores.double() - mean) ** 2).sum())))
        std = math.sqrt(self.m2 / self.count) if self.count > 1 else 1.0
        return (scores - self.mean) / max(std, 1e-4)


def global_mean(x: torch.Tensor, mask: torch.Tensor, rt: Runtime) -> float:
    """Mean of x over the masked entries of every process's rollout."""
    return rt.all_sum(float((x.double() * mask).sum())) / max(rt.all_sum(float(mask.sum())), 1.0)


class PPO(RolloutMethod):
    def __init__(self, cfg: PPOConfig, rt: Runtime):
        self.cfg, self.opt, self.rt = cfg, cfg.ppo, rt
        self.setup = RLSetup.load(cfg, rt)
        policy = self.setup.policy
        self.reference = Reference(rl_kind(cfg.rollout.reference, policy, used=True), policy)
        self.beta, self.moments = self.opt.beta, RunningMoments()
        self.model = PolicyWithValue(policy)
        self.start(cfg, rt, "ppo", self.reference, group=1, epochs=self.opt.ppo_epochs, minibatches=self.opt.minibatches)

    # the rollout source's side
    def prepare(self, policy, batch, scores, samples):
        opt, mask, temp = self.opt, batch.mask, self.cfg.rollout.temperature
        if opt.missing_eos_penalty is not None:
            scores = scores - opt.missing_eos_penalty * (~torch.tensor(samples.finished)).float()
        norm = self.moments.normalise(scores, self.rt) if opt.reward_norm else scores
        old_logps, old_values = no_grad_forward(policy, batch, temp, self.model.value_head)
        ref_logps = reference_token_logps(self.reference, policy, batch, temp)
        kl = kl_estimate(old_logps, ref_logps, opt.kl_estimator) * mask
        rewards = -self.beta * kl
        last = mask.sum(1) - 1
        rewards[torch.arange(len(last)), last] += norm.to(rewards.device)
        adv, returns = gae(rewards, old_values, mask, opt.gamma, opt.lam)
        # whitened, β steered and scores averaged over every process's samples: each rank the same
        mu = global_mean(adv, mask, self.rt)
        adv = (adv - mu) * (global_mean((adv - mu) ** 2, mask, self.rt) + 1e-8) ** -0.5 * mask
        n_samples = self.rt.all_sum(len(scores))
        seq_kl = self.rt.all_sum(float(kl.sum())) / n_samples
        resid = masked_mean((returns - old_values - masked_mean(returns - old_values, mask)) ** 2, mask)
        ret_var = masked_mean((returns - masked_mean(returns, mask)) ** 2, mask)
        stats = {f"kl_{opt.kl_estimator}": seq_kl, "beta": self.beta,
                 "explained_variance": float(1 - resid / ret_var.clamp(min=1e-8)),
                 "score": self.rt.all_sum(float(scores.sum())) / n_samples}
        if opt.kl_target:
            err = max(-0.2, min(0.2, seq_kl / opt.kl_target - 1))
            self.beta *= 1 + err * n_samples / opt.kl_horizon
        return {"old_logps": old_logps, "old_values": old_values, "advantages": adv, "returns": returns}, stats

    def units(self, batch) -> int:
        return int(batch.mask.sum())

    # the loop's side
    def step(self, model, batch):
        opt, mask = self.opt, batch.mask.float()
        logps, values = token_logps(model.policy, batch, self.cfg.rollout.temperature, model.value_head)
        pg, clipped = ppo_policy_loss(logps, batch.old_logps, batch.advantages, opt.cliprange)
        vl = value_loss(values, batch.old_values, batch.returns, opt.cliprange_value)
        loss = ((pg + opt.vf_coef * vl) * mask).sum()
        metrics = {"policy_loss": (pg * mask).sum().detach(), "value_loss": (vl * mask).sum().detach(),
                   "clip_fraction": (clipped * mask).sum().detach(),
                   "approx_kl_old": (kl_estimate(logps, batch.old_logps, "k3") * mask).sum().detach(),
                   "ratio": (torch.exp(logps - batch.old_logps) * mask).sum().detach(),
                   **self.rollouts.weighted_stats(batch)}
        return loss, metrics

    def policy_of(self, model):
        return model.policy

    def save(self, model) -> None:
        write_run_files(model.policy, self.setup.tokenizer, self.cfg, self.setup.template, "ppo")
        save_file({k: v.detach().cpu().contiguous() for k, v in model.value_head.state_dict().items()},
                  str(Path(self.cfg.run.output_dir) / "value_head.safetensors"))

    def state_dict(self) -> dict:
        m = self.moments
        return {"beta": self.beta, "count": m.count, "mean": m.mean, "m2": m.m2}

    def load_state_dict(self, state: dict) -> None:
        if state:
            self.beta, self.moments.count, self.moments.mean, self.moments.m2 = (
                state["beta"], state["count"], state["mean"], state["m2"])


def run_ppo(cfg: PPOConfig, stop_after: int | None = None) -> dict:
    return fit(cfg, PPO, stop_after)
