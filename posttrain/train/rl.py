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

import copy
import math
import sys
from pathlib import Path

import torch

from posttrain.config import ConfigError
from posttrain.lora import disable_adapters
from posttrain.losses.rl import kl_estimate
from posttrain.models import autocast, pick_device, pick_dtype
from posttrain.train import rollout
from posttrain.train.loop import dist_env, to_device


class Reference:
    """Log-probs of the reference policy: the LoRA-disabled policy (free) or a frozen copy."""

    def __init__(self, policy, kind: str):
        self.kind = "adapter" if kind == "auto" and hasattr(policy, "posttrain_lora") else kind
        if self.kind == "auto":
            self.kind = "copy"
        if self.kind == "adapter" and not hasattr(policy, "posttrain_lora"):
            raise ConfigError("reference=adapter needs LoRA (lora_r > 0)")
        self.copy = copy.deepcopy(policy).eval().requires_grad_(False) if self.kind == "copy" else None

    @torch.no_grad()
    def logps(self, policy, batch, temperature: float):
        if self.copy is None:
            with disable_adapters(policy):
                return rollout.token_logps(policy, batch, temperature)[0]
        dev = next(policy.parameters()).device
        if next(self.copy.parameters()).device != dev:
            self.copy.to(dev)
        return rollout.token_logps(self.copy, batch, temperature)[0]


class RolloutSource:
    """Micro-batches for the loop, sampled from the policy one iteration at a time."""

    def __init__(self, cfg, task, tokenizer, template, policy, algo, group: int, epochs: int, minibatches: int):
        self.cfg, self.task, self.tok, self.template, self.policy, self.algo = cfg, task, tokenizer, template, policy, algo
        self.group, self.epochs, self.minibatches = group, epochs, minibatches
        self.rank, _, self.world = dist_env()
        self.device = pick_device(cfg.device)
        self.prompts_per_rank = cfg.batch_size * cfg.grad_accum * minibatches
        self.steps_per_iter = epochs * minibatches
        if cfg.save_every % self.steps_per_iter:
            raise ConfigError(f"save_every={cfg.save_every} must be a multiple of the {self.steps_per_iter} steps of an "
                              "iteration (checkpoints fall between rollouts, so a resumed run samples what it would have)")
        per_iter = self.prompts_per_rank * self.world
        if len(task.train) < per_iter:
            raise ConfigError(f"{len(task.train)} training prompts are too few for an iteration of {per_iter}")
        self.iter_per_epoch = len(task.train) // per_iter
        self.iteration, self.samples, self.stats = -1, None, {}
        self.perms: dict[int, list[int]] = {}

    def total_steps(self) -> int:
        if self.cfg.max_steps:
            return math.ceil(self.cfg.max_steps / self.steps_per_iter) * self.steps_per_iter
        return max(1, math.ceil(self.cfg.epochs * self.iter_per_epoch)) * self.steps_per_iter

    def state_dict(self) -> dict:
        return self.algo.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.algo.load_state_dict(state)

    def _prompts(self, k: int) -> list[dict]:
        epoch, j = divmod(k, self.iter_per_epoch)
        if epoch not in self.perms:
            g = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + epoch)
            self.perms[epoch] = torch.randperm(len(self.task.train), generator=g).tolist()
        start = (j * self.world + self.rank) * self.prompts_per_rank
        return [self.task.train[i] for i in self.perms[epoch][start:start + self.prompts_per_rank]]

    def _rollout(self, k: int) -> None:
        cfg = self.cfg
        rows = self._prompts(k)
        self.policy.to(self.device)
        s = rollout.sample(self.policy, self.tok, rows, self.template, self.group, cfg.max_new_tokens, cfg.temperature,
                           seed=cfg.seed * 7_919 + k * self.world + self.rank, max_len=cfg.max_len)
        scores = torch.tensor(self.task.score(s.rows, s.texts), dtype=torch.float32)
        batch = to_device(rollout.collate(s.prompt_ids, s.completion_ids, self._pad()), self.device)
        with autocast(self.device, pick_dtype(cfg.dtype, self.device)):
            tensors, stats = self.algo.prepare(self.policy, batch, scores, s)
        lengths = batch["mask"].sum(1).float()
        self.stats = {"reward": float(scores.mean()), "response_length": float(lengths.mean()),
                      "entropy": sum(s.entropy) / len(s.entropy), "no_eos": 1 - sum(s.finished) / len(s.finished), **stats}
        keep = tensors.pop("keep", None)
        order = list(range(len(s.completion_ids))) if keep is None else keep.nonzero().flatten().tolist()
        self.samples = (s, tensors, order)
        self.iteration = k

    def _pad(self) -> int:
        return self.tok.pad_token_id if self.tok.pad_token_id is not None else 0

    def micro_batch(self, i: int) -> dict:
        step, a = divmod(i // self.world, self.cfg.grad_accum)
        k, j = divmod(step, self.steps_per_iter)
        epoch, mb = divmod(j, self.minibatches)
        if k != self.iteration:
            self._rollout(k)
        s, tensors, order = self.samples
        g = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + k * 101 + epoch)
        perm = [order[p] for p in torch.randperm(len(order), generator=g).tolist()]
        parts = self.minibatches * self.cfg.grad_accum
        size = math.ceil(len(perm) / parts) if perm else 0
        idx = perm[(mb * self.cfg.grad_accum + a) * size:(mb * self.cfg.grad_accum + a + 1) * size]
        return self._collate(s, tensors, idx)

    def _collate(self, s, tensors: dict, idx: list[int]) -> dict:
        # No sample for this part (DAPO dropped them all, or more parts than samples): one sample with
        # its mask zeroed, so the step still runs the forward and backward that DDP's gradient
        # all-reduce waits for on the other processes, and contributes zero loss, units and metrics.
        empty = not idx
        idx = idx or [0]
        batch = rollout.collate([s.prompt_ids[i] for i in idx], [s.completion_ids[i] for i in idx], self._pad())
        Tc = batch["mask"].shape[1]
        ix = torch.tensor(idx)
        for name, t in tensors.items():
            t = t.detach().cpu().index_select(0, ix)
            batch[name] = t[:, :Tc] if t.dim() == 2 else t
        if empty:
            batch["mask"] = torch.zeros_like(batch["mask"])
        n_tokens = int(batch["mask"].sum())
        batch.update(n_tokens=n_tokens, n_units=0 if empty else self.algo.units(batch), stats=self.stats)
        return batch


def rl_evaluator(cfg, task, tokenizer, template, policy_of, reference: Reference | None):
    """eval_fn for the loop: the task's own held-out evaluation (greedy), plus the KL to the reference of
    one sampled reply per held-out prompt (k1 summed over the reply: an unbiased estimate of the
    sequence-level KL(π‖π_ref))."""
    def eval_fn(model):
        policy = policy_of(model)
        res = task.evaluate(policy, tokenizer, template, cfg.eval_prompts, cfg.max_new_tokens, cfg.eval_temperature,
                            cfg.seed + 54_321)
        out = {f"eval_{k}": v for k, v in res.items() if k != "n"}
        if reference is not None:
            rows = task.heldout[:cfg.eval_prompts]
            s = rollout.sample(policy, tokenizer, rows, template, 1, cfg.max_new_tokens, cfg.temperature,
                               seed=cfg.seed + 12_345, max_len=cfg.max_len)
            dev = next(policy.parameters()).device
            batch = to_device(rollout.collate(s.prompt_ids, s.completion_ids, tokenizer.pad_token_id or 0), dev)
            with torch.no_grad(), autocast(dev, pick_dtype(cfg.dtype, dev)):
                was = policy.training
                policy.eval()
                lp = rollout.token_logps(policy, batch, cfg.temperature)[0]
                policy.train(was)
                ref = reference.logps(policy, batch, cfg.temperature)
            kl = (kl_estimate(lp, ref, "k1") * batch["mask"]).sum(1)
            out["eval_kl"] = float(kl.mean())
        return out
    return eval_fn


def log(msg: str) -> None:
    if dist_env()[0] == 0:
        print(f"[posttrain] {msg}", file=sys.stderr)


def no_grad_forward(policy, batch, temperature, value_head=None):
    """Per-token log-probs (and values) of the rollout under the current weights, eval mode, no grad."""
    was = policy.training
    policy.eval()
    with torch.no_grad():
        out = rollout.token_logps(policy, batch, temperature, value_head)
    policy.train(was)
    return out



def run_rl(cfg, stage: str, make_algo, group: int, epochs: int, minibatches: int, stop_after: int | None = None,
           wrap=None, unwrap=lambda m: m) -> dict:
    """The shared body of `posttrain grpo|ppo`: task, policy, reference, source, evaluation, loop.

    `wrap(policy)` gives the module the loop trains (PPO adds a value head), `unwrap` gets the policy back."""
    from posttrain.chat import resolve_template
    from posttrain.models import load_tokenizer
    from posttrain.tasks import load_task
    from posttrain.train.loop import train
    from posttrain.train.output import write_run_files
    from posttrain.train.prepare import prepare_model

    quiet = dist_env()[0] != 0
    tokenizer = load_tokenizer(cfg.model)
    template = resolve_template(tokenizer, cfg.template)
    task = load_task(cfg.task, cfg.reward, cfg.eval_data, template)
    policy = prepare_model(cfg, verbose=not quiet)
    reference = Reference(policy, cfg.reference)
    algo = make_algo(reference)
    model = wrap(policy) if wrap else policy
    source = RolloutSource(cfg, task, tokenizer, template, policy, algo, group, epochs, minibatches)
    eval_fn = rl_evaluator(cfg, task, tokenizer, template, unwrap, reference) if task.heldout else None
    before = None
    if eval_fn is not None and not quiet and not (cfg.resume and (Path(cfg.output_dir) / "checkpoint").exists()):
        policy.to(pick_device(cfg.device))
        before = eval_fn(model)
        log(f"{task.name} before training: " + ", ".join(f"{k} {v:.3f}" for k, v in before.items()))
    log(f"{stage}: task {task.name}, {len(task.train)} training prompts, {len(task.heldout)} held out; "
        f"{source.prompts_per_rank} prompts × {group} samples per iteration and process, "
        f"{source.steps_per_iter} steps each; reference: {reference.kind}")

    def on_save(m):
        write_run_files(unwrap(m), tokenizer, cfg, template, stage)
        if wrap:
            from safetensors.torch import save_file
            save_file({k: v.detach().cpu().contiguous() for k, v in m.value_head.state_dict().items()},
                      str(Path(cfg.output_dir) / "value_head.safetensors"))

    summary = train(cfg, model, None, None, algo.step, eval_fn, on_save, stop_after, source)
    if before is not None:
        summary["eval_before"] = before
    return summary
