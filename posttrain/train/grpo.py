"""`posttrain grpo`: group-relative policy optimisation with verifiable rewards.

Each prompt gets G samples (sharing the prompt's prefill); a sample's advantage is its reward
against its group's (`losses.rl.group_advantages`), so no value model is needed. Variants come
from `losses.rl.GRPO_VARIANTS`: grpo, dr_grpo, dapo (DAPO's dynamic sampling drops the groups
whose rewards all agree instead of resampling them: the batch shrinks, nothing is faked).

With iterations=1 (TRL's default) the old policy is the current one: the ratio is exactly 1 and
only its gradient matters, so no extra forward is spent on old log-probs. With beta=0 and no LoRA
no reference copy is kept (nothing would use it), so no held-out KL is reported either.
"""

from __future__ import annotations

from posttrain.model.forward import token_logps
from posttrain.losses.rl import GRPO_VARIANTS, group_advantages, grpo_loss, informative_groups
from posttrain.core.runtime import Runtime
from posttrain.train.configs import GRPOConfig
from posttrain.train.loop import fit
from posttrain.train.output import write_run_files
from posttrain.train.reference import Reference, rl_kind
from posttrain.train.rl import RLSetup, RolloutMethod, no_grad_forward, reference_token_logps


class GRPO(RolloutMethod):
    def __init__(self, cfg: GRPOConfig, rt: Runtime):
        self.cfg, self.opt = cfg, cfg.grpo
        self.setup = RLSetup.load(cfg, rt)
        self.model = policy = self.setup.policy
        self.reference = Reference(rl_kind(cfg.rollout.reference, policy, used=self.opt.beta > 0), policy)
        self.start(cfg, rt, "grpo", self.reference, group=self.opt.num_generations, epochs=self.opt.iterations,
                   minibatches=1)

    # the rollout source's side
    def prepare(self, policy, batch, scores, samples):
        opt, temp = self.opt, self.cfg.rollout.temperature
        G = opt.num_generations
        fields = {"advantages": group_advantages(scores, G, scale_std=GRPO_VARIANTS[opt.loss][0])}
        informative = informative_groups(scores, G)
        stats = {"informative_groups": float(informative.float().mean()),
                 "dropped_groups": float((~informative).sum()) if opt.loss == "dapo" else 0.0}
        if opt.loss == "dapo":
            fields["keep"] = informative.repeat_interleave(G)
        if opt.iterations > 1:
            fields["old_logps"] = no_grad_forward(policy, batch, temp)[0]
        if opt.beta > 0:
            fields["ref_logps"] = reference_token_logps(self.reference, policy, batch, temp)
        return fields, stats

    def units(self, batch) -> int:
        """What the loop averages over: tokens for DAPO's token-level mean, else sequences."""
        return int(batch.mask.sum()) if self.opt.loss == "dapo" else batch.mask.shape[0]

    # the loop's side
    def step(self, model, batch):
        opt = self.opt
        logps, _ = token_logps(model, batch, self.cfg.rollout.temperature)
        old = batch.old_logps
        loss, m = grpo_loss(logps, logps.detach() if old is None else old, batch.advantages, batch.mask, opt.loss,
                            opt.epsilon, opt.epsilon_high, batch.ref_logps, opt.beta, self.cfg.rollout.max_new_tokens)
        n = batch.n_units
        return loss * n, {**{k: v * n for k, v in m.items()}, **self.rollouts.weighted_stats(batch)}

    def save(self, model) -> None:
        write_run_files(model, self.setup.tokenizer, self.cfg, self.setup.template, "grpo")

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def run_grpo(cfg: GRPOConfig, stop_after: int | None = None) -> dict:
    return fit(cfg, GRPO, stop_after)
