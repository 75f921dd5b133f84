"""`posttrain grpo`: group-relative policy optimisation with verifiable rewards.

Each prompt gets G samples (sharing the prompt's prefill); a sample's advantage is its reward
against its group's (`losses.rl.group_advantages`), so no value model is needed. Variants come
from `losses.rl.GRPO_VARIANTS`: grpo, dr_grpo, dapo (DAPO's dynamic sampling drops the groups
whose rewards all agree instead of resampling them: the batch shrinks, nothing is faked).

With iterations=1 (TRL's default) the old policy is the current one: the ratio is exactly 1 and
only its gradient matters, so no extra forward is spent on old log-probs.
"""

from __future__ import annotations

import torch

from posttrain.losses.rl import GRPO_VARIANTS, group_advantages, grpo_loss, informative_groups
from posttrain.train import rollout
from posttrain.train.rl import no_grad_forward


class GRPO:
    def __init__(self, cfg, reference):
        self.cfg, self.reference = cfg, reference

    def prepare(self, policy, batch, scores, samples):
        cfg = self.cfg
        G = cfg.num_generations
        tensors = {"advantages": group_advantages(scores, G, scale_std=GRPO_VARIANTS[cfg.loss][0])}
        informative = informative_groups(scores, G)
        stats = {"informative_groups": float(informative.float().mean())}
        if cfg.loss == "dapo":
            tensors["keep"] = informative.repeat_interleave(G)
        if cfg.iterations > 1:
            tensors["old_logps"] = no_grad_forward(policy, batch, cfg.temperature)[0]
        if cfg.beta > 0:
            tensors["ref_logps"] = self.reference.logps(policy, batch, cfg.temperature)
        return tensors, stats

    def units(self, batch) -> int:
        """What the loop averages over: tokens for DAPO's token-level mean, else sequences."""
        return int(batch["mask"].sum()) if self.cfg.loss == "dapo" else batch["mask"].shape[0]

    def step(self, model, batch):
        cfg = self.cfg
        logps, _ = rollout.token_logps(model, batch, cfg.temperature)
        old = batch.get("old_logps")
        loss, m = grpo_loss(logps, logps.detach() if old is None else old, batch["advantages"], batch["mask"], cfg.loss,
                            cfg.epsilon, cfg.epsilon_high, batch.get("ref_logps"), cfg.beta, cfg.max_new_tokens)
        n = batch["n_units"]
        metrics = {k: v * n for k, v in {**m, **batch["stats"]}.items()}
        return loss * n, metrics

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def run_grpo(cfg, stop_after: int | None = None) -> dict:
    from posttrain.train.rl import run_rl

    return run_rl(cfg, "grpo", lambda reference: GRPO(cfg, reference), group=cfg.num_generations,
                  epochs=cfg.iterations, minibatches=1, stop_after=stop_after)
