"""Online RL on the one training loop: rollouts are made by a batch source, an algorithm
(`posttrain.train.grpo`, `posttrain.train.ppo`) turns them into advantages and a step function.

An iteration samples G completions for each of its prompts, scores them with the task's reward,
lets the algorithm prepare per-sample tensors (advantages, old/reference log-probs, values), then
trains `epochs` passes over them, `minibatches` optimizer steps per pass (samples shuffled per
pass). So one iteration is epochs × minibatches loop steps.

Exact resume: the prompts and sampling seed of iteration k on rank r are functions of (seed, k, r),
checkpoints fall on iteration boundaries (save_every must be a multiple of the iteration's steps),
and the algorithm's running state (adaptive KL coefficient, reward statistics) is saved with them.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import torch

from posttrain.data.chat import resolve_template
from posttrain.core.config import ConfigError
from posttrain.data.batches import RolloutBatch
from posttrain.data.rollouts import collate_rollout
from posttrain.model.forward import token_logps
from posttrain.losses.rl import kl_estimate, masked_mean
from posttrain.model.hf import load_tokenizer
from posttrain.core.runtime import Runtime, evaluating
from posttrain.eval.tasks import load_task
from posttrain.train import rollout
from posttrain.train.prepare import prepare_model
from posttrain.train.reference import Reference


class Rollouts:
    """Micro-batches for the loop, sampled from the policy one iteration at a time.

    `algo.prepare(policy, batch, scores, samples) -> (fields, stats)` adds per-sample tensors (named
    like RolloutBatch fields; "keep" selects samples) and `algo.units(batch)` says what a batch counts."""

    def __init__(self, cfg, rt: Runtime, task, tokenizer, template, policy, algo, group: int, epochs: int,
                 minibatches: int):
        self.cfg, self.rt, self.task, self.tok, self.template = cfg, rt, task, tokenizer, template
        self.policy, self.algo, self.group, self.epochs, self.minibatches = policy, algo, group, epochs, minibatches
        run = cfg.run
        self.prompts_per_rank = run.batch_size * run.grad_accum * minibatches
        self.steps_per_iter = epochs * minibatches
        if run.save_every % self.steps_per_iter:
            raise ConfigError(f"save_every={run.save_every} must be a multiple of the {self.steps_per_iter} steps of an "
                              "iteration (checkpoints fall between rollouts, so a resumed run samples what it would have)")
        per_iter = self.prompts_per_rank * rt.world
        if len(task.train) < per_iter:
            raise ConfigError(f"{len(task.train)} training prompts are too few for an iteration of {per_iter}")
        self.iter_per_epoch = len(task.train) // per_iter
        self.iteration, self.samples, self.stats = -1, None, {}
        self.perms: dict[int, list[int]] = {}

    def total_steps(self) -> int:
        run = self.cfg.run
        if run.max_steps:
            return math.ceil(run.max_steps / self.steps_per_iter) * self.steps_per_iter
        return max(1, math.ceil(run.epochs * self.iter_per_epoch)) * self.steps_per_iter

    def _prompts(self, k: int) -> list[dict]:
        epoch, j = divmod(k, self.iter_per_epoch)
        if epoch not in self.perms:
            g = torch.Generator().manual_seed(self.cfg.run.seed * 1_000_003 + epoch)
            self.perms[epoch] = torch.randperm(len(self.task.train), generator=g).tolist()
        start = (j * self.rt.world + self.rt.rank) * self.prompts_per_rank
        return [self.task.train[i] for i in self.perms[epoch][start:start + self.prompts_per_rank]]

    def _rollout(self, k: int) -> None:
        cfg, rt = self.cfg, self.rt
        rows = self._prompts(k)
        self.policy.to(rt.device)
        # One generate call per micro-batch of prompts, seeded by its prompts' place in the iteration
        # (not by process): N processes sample exactly what one with N times the accumulation would.
        first = (k * rt.world + rt.rank) * self.prompts_per_rank
        s = rollout.sample(self.policy, self.tok, rows, self.template, self.group, cfg.rollout.max_new_tokens,
                           cfg.rollout.temperature, seed=cfg.run.seed * 7_919 + first, max_len=cfg.model.max_len,
                           batch_size=cfg.run.batch_size * self.group, dtype=cfg.run.dtype)
        scores = torch.tensor(self.task.score(s.rows, s.texts), dtype=torch.float32)
        batch = rt.to(collate_rollout(s.prompt_ids, s.completion_ids, rollout.pad_id(self.tok)))
        with rt.autocast():
            fields, stats = self.algo.prepare(self.policy, batch, scores, s)
            gap = self._logp_gap(batch, s, fields.get("old_logps"))
        lengths = batch.mask.sum(1).float()
        self.stats = {"reward": float(scores.mean()), "response_length": float(lengths.mean()), "logp_gap": gap,
                      "entropy": sum(s.entropy) / len(s.entropy), "no_eos": 1 - sum(s.finished) / len(s.finished), **stats}
        keep = fields.pop("keep", None)
        order = list(range(len(s.completion_ids))) if keep is None else keep.nonzero().flatten().tolist()
        self.samples = (s, fields, order)
        self.iteration = k

    def _logp_gap(self, batch: RolloutBatch, s, recomputed) -> float:
        """Mean |log π_update − log π_sampler| per token at the rollout's weights: 0 up to numerics in
        fp32 (the engine and the update compute one distribution); in bf16 it measures how far off-policy
        the first update is. Costs one no-grad forward when the algorithm did not already make one."""
        if recomputed is None:
            recomputed = no_grad_forward(self.policy, batch, self.cfg.rollout.temperature)[0]
        sampled = torch.zeros_like(batch.mask, dtype=torch.float32)
        for i, lp in enumerate(s.logprobs):
            sampled[i, :len(lp)] = torch.tensor(lp, dtype=torch.float32)
        diff = (recomputed.float() - sampled.to(recomputed.device)).abs()
        return float(masked_mean(diff, batch.mask.to(diff.device)))

    def micro_batch(self, i: int) -> RolloutBatch:
        accum = self.cfg.run.grad_accum
        step, a = divmod(i // self.rt.world, accum)
        k, j = divmod(step, self.steps_per_iter)
        epoch, mb = divmod(j, self.minibatches)
        if k != self.iteration:
            self._rollout(k)
        s, fields, order = self.samples
        g = torch.Generator().manual_seed(self.cfg.run.seed * 1_000_003 + k * 101 + epoch)
        perm = [order[p] for p in torch.randperm(len(order), generator=g).tolist()]
        size = math.ceil(len(perm) / (self.minibatches * accum)) if perm else 0
        idx = perm[(mb * accum + a) * size:(mb * accum + a + 1) * size]
        return self._collate(s, fields, idx)

    def _collate(self, s, fields: dict, idx: list[int]) -> RolloutBatch:
        # No sample for this part (DAPO dropped them all, or more parts than samples): one sample with
        # its mask zeroed, so the step still runs the forward and backward that DDP's gradient
        # all-reduce waits for on the other processes, and contributes zero loss, units and metrics.
        empty = not idx
        idx = idx or [0]
        batch = collate_rollout([s.prompt_ids[i] for i in idx], [s.completion_ids[i] for i in idx],
                                rollout.pad_id(self.tok))
        Tc = batch.mask.shape[1]
        ix = torch.tensor(idx)
        for name, t in fields.items():
            t = t.detach().cpu().index_select(0, ix)
            setattr(batch, name, t[:, :Tc] if t.dim() == 2 else t)
        if empty:
            batch.mask = torch.zeros_like(batch.mask)
        return dataclasses.replace(batch, n_tokens=int(batch.mask.sum()), n_units=0 if empty else self.algo.units(batch))

    def weighted_stats(self, batch: RolloutBatch) -> dict:
        """This rollout's statistics as metric sums over the batch's units (the loop divides them back)."""
        return {k: v * batch.n_units for k, v in self.stats.items()}


def log(msg: str, rt: Runtime) -> None:
    if rt.main:
        print(f"[posttrain] {msg}", file=sys.stderr)


def no_grad_forward(policy, batch, temperature, value_head=None):
    """Per-token log-probs (and values) of the rollout under the current weights, eval mode, no grad."""
    with torch.no_grad(), evaluating(policy):
        return token_logps(policy, batch, temperature, value_head)


def reference_token_logps(reference: Reference, policy, batch, temperature: float):
    return reference.run(policy, lambda m, b: token_logps(m, b, temperature)[0], batch)


@dataclasses.dataclass
class RLSetup:
    """What both RL methods start from: tokenizer, template, task and the prepared policy."""

    tokenizer: object
    template: str
    task: object
    policy: torch.nn.Module

    @classmethod
    def load(cls, cfg, rt: Runtime) -> "RLSetup":
        tokenizer = load_tokenizer(cfg.model.path)
        template = resolve_template(tokenizer, cfg.model.template)
        task = load_task(cfg.task.name, cfg.task.reward, cfg.task.eval_data, template)
        fit_task_prompts(cfg, rt, task, tokenizer, template)
        return cls(tokenizer, template, task, prepare_model(cfg.model, cfg.run.seed, verbose=rt.main))


def fit_task_prompts(cfg, rt: Runtime, task, tokenizer, template) -> None:
    """Leave out (or refuse, by cfg.rollout.long_prompts) the prompts that cannot fit beside the reply."""
    budget = cfg.model.max_len - cfg.rollout.max_new_tokens
    for split in ("train", "heldout"):
        rows, dropped = rollout.fit_prompts(getattr(task, split), tokenizer, template, budget, cfg.rollout.long_prompts,
                                            "training" if split == "train" else "held-out")
        if dropped:
            log(f"warning: dropped {dropped} of {len(rows) + dropped} {'training' if split == 'train' else 'held-out'} "
                f"prompts longer than the {budget} tokens max_len - max_new_tokens leaves (long_prompts=refuse stops instead)",
                rt)
        setattr(task, split, rows)


def rl_evaluator(cfg, rt: Runtime, setup: RLSetup, reference: Reference):
    """evaluate(policy): the task's own held-out evaluation (greedy by default), plus — when there is a
    reference — the KL to it of one sampled reply per held-out prompt (k1 summed over the reply: an
    unbiased estimate of the sequence-level KL(π‖π_ref))."""
    tc, temp, tok = cfg.task, cfg.rollout.temperature, setup.tokenizer

    def evaluate(policy) -> dict:
        res = setup.task.evaluate(policy, tok, setup.template, tc.eval_prompts, cfg.rollout.max_new_tokens,
                                  tc.eval_temperature, cfg.run.seed + 54_321)
        out = {f"eval_{k}": v for k, v in res.items() if k != "n"}
        if reference.kind is not None:
            s = rollout.sample(policy, tok, setup.task.heldout[:tc.eval_prompts], setup.template, 1,
                               cfg.rollout.max_new_tokens, temp, seed=cfg.run.seed + 12_345, max_len=cfg.model.max_len,
                               dtype=cfg.run.dtype)
            batch = rt.to(collate_rollout(s.prompt_ids, s.completion_ids, rollout.pad_id(tok)))
            with torch.no_grad(), rt.autocast():
                lp = no_grad_forward(policy, batch, temp)[0]
                ref = reference_token_logps(reference, policy, batch, temp)
            out["eval_kl"] = float((kl_estimate(lp, ref, "k1") * batch.mask).sum(1).mean())
        return out
    return evaluate


def evaluate_before(cfg, rt: Runtime, setup: RLSetup, evaluate) -> None:
    """Log the held-out numbers of the starting policy (a fresh run's first line; not when resuming)."""
    if evaluate is None or not rt.main or (cfg.run.resume and (Path(cfg.run.output_dir) / "checkpoint").exists()):
        return
    setup.policy.to(rt.device)
    before = evaluate(setup.policy)
    log(f"{setup.task.name} before training: " + ", ".join(f"{k} {v:.3f}" for k, v in before.items()), rt)


class RolloutMethod:
    """What GRPO and PPO share: the loop's side of the rollout source, and the held-out evaluation.

    A subclass sets `setup` (RLSetup), then calls `start`; it supplies `prepare` and `units` for the
    rollouts, and `step`, `save`, `state_dict` / `load_state_dict` for the loop."""

    setup: RLSetup

    def start(self, cfg, rt: Runtime, stage: str, reference: Reference, group: int, epochs: int, minibatches: int):
        s = self.setup
        self.rollouts = Rollouts(cfg, rt, s.task, s.tokenizer, s.template, s.policy, self, group, epochs, minibatches)
        self.evaluate_fn = rl_evaluator(cfg, rt, s, reference) if s.task.heldout else None
        evaluate_before(cfg, rt, s, self.evaluate_fn)
        log(f"{stage}: task {s.task.name}, {len(s.task.train)} training prompts, {len(s.task.heldout)} held out; "
            f"{self.rollouts.prompts_per_rank} prompts × {group} samples per iteration and process, "
            f"{self.rollouts.steps_per_iter} steps each; reference: {reference.kind or 'none'}", rt)

    def total_steps(self) -> int:
        return self.rollouts.total_steps()

    def micro_batch(self, i: int) -> RolloutBatch:
        return self.rollouts.micro_batch(i)

    def begin_step(self, model, batches) -> None:
        pass

    def policy_of(self, model):
        """The policy inside the module the loop trains."""
        return model

    def evaluate(self, model) -> dict:
        return self.evaluate_fn(self.policy_of(model)) if self.evaluate_fn else {}
