"""The one training loop: every method (posttrain.train.method) supplies batches and a step function.

Order of data is a pure function of (seed, epoch), and micro-batch `i` of the run is always the
same rows, so a resumed run replays exactly what an uninterrupted one would have seen. Under
`torchrun` each rank takes every world-th micro-batch of the same sequence, so N processes with
grad_accum=k see the same global batch as one process with grad_accum=k·N. The loss of a step
is normalised by its total units (trained tokens, pairs...) over all micro-batches and ranks, and
so is every metric a step function returns (they are sums over its units).

Resume is exact even after a SIGKILL at any instant (tests/faults/ proves it for SFT, DPO, GRPO,
PPO): the checkpoint keeps how many lines metrics.jsonl had when it was written, and the resumed
run cuts the file back to them, so the steps the killed run logged after it are logged once. The
last checkpoint is written before the final evaluation and save, so a run killed in either redoes
both. Under fp16 a gradient scaler keeps small gradients from flushing to zero; a step it finds
non-finite is skipped (and the scale lowered), not a divergence.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from posttrain.core.config import ConfigError, to_dict
from posttrain.core.faults import point
from posttrain.core.files import make_dirs, write_text_atomic
from posttrain.core.runtime import Runtime
from posttrain.core.sections import RunConfig
from posttrain.train import checkpoint
from posttrain.train.method import Method
from posttrain.train.trackers import Tracker, open_tracker

# options a resumed run may change: how it reports, how long it runs, how often it evaluates and saves
RESUMABLE = {"run.progress", "run.tracker", "run.resume", "run.max_steps", "run.epochs", "run.eval_every", "run.save_every",
             "run.output_dir"}


class TrainingDiverged(RuntimeError):
    """Loss or gradient became NaN/inf; the last good checkpoint is kept."""


class StepModule(nn.Module):
    """Wraps model + step function so DDP sees one forward per micro-batch."""

    def __init__(self, model, step_fn):
        super().__init__()
        self.model, self.step_fn = model, step_fn

    def forward(self, batch):
        return self.step_fn(self.model, batch)


def lr_lambda(warmup: int, total: int, schedule: str, floor: float = 0.1):
    def f(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        if schedule == "constant":
            return 1.0
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        if schedule == "linear":
            return floor + (1 - floor) * (1 - progress)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    return f


def make_optimizer(model, lr: float, weight_decay: float, device: torch.device):
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (decay if p.ndim >= 2 else no_decay).append(p)
    if not decay and not no_decay:
        raise ValueError("no trainable parameters (everything is frozen)")
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, fused=device.type in ("cuda", "cpu"))


@dataclass
class _Run:
    """What the loop holds while it runs."""

    run: RunConfig
    method: Method
    rt: Runtime
    module: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    total: int
    out: Path
    start: int = 0
    tokens: int = 0
    bar: object = None
    last: dict = field(default_factory=dict)
    scaler: torch.amp.GradScaler | None = None
    config: dict = field(default_factory=dict)
    lines: int = 0  # lines in metrics.jsonl
    tracker: Tracker | None = None

    def save_checkpoint(self, step: int) -> None:
        extra = {"tokens": self.tokens, "metrics_lines": self.lines, "config": self.config,
                 "source": self.method.state_dict()}
        checkpoint.save(self.out, self.method.model, self.optimizer, self.scheduler, step, extra, self.scaler)


def fingerprint(cfg: dict) -> dict:
    """The options that must match for a resume to continue the same run (dotted key → value, JSON-plain)."""
    def flat(tree, prefix=""):
        for k, v in tree.items():
            yield from flat(v, f"{prefix}{k}.") if isinstance(v, dict) else [(prefix + k, v)]
    return json.loads(json.dumps({k: v for k, v in flat(cfg) if k not in RESUMABLE}))


def check_config(run: RunConfig, now: dict) -> None:
    """ConfigError naming the options that differ from the checkpoint's run, unless resume=force."""
    found = checkpoint.find(run.output_dir) if run.resume is True else None
    saved = checkpoint.read_state(found).get("config") if found else None
    if saved is None:
        return
    changed = sorted(set(saved) | set(now), key=str)
    changed = [k for k in changed if saved.get(k) != now.get(k)]
    if changed:
        diff = ", ".join(f"{k} {saved.get(k)!r} -> {now.get(k)!r}" for k in changed)
        raise ConfigError(f"{found}: the config changed since this checkpoint ({diff}); restore it, or pass "
                          "resume=force to continue with the new values")


def plan(run: RunConfig, method: Method, rt: Runtime, config: dict | None = None) -> _Run:
    """Model on the device in train mode, DDP wrapper, optimizer and schedule for the whole run."""
    torch.manual_seed(run.seed)
    random.seed(run.seed)  # the checkpoint keeps Python's RNG too: unseeded, it would differ run to run
    out = Path(run.output_dir)
    make_dirs(out)  # durably: the checkpoints and metrics fsynced inside it must not lose their folder
    model = method.model
    model.to(rt.device)
    model.train()  # from_pretrained returns eval mode: dropout (LoRA's too) and checkpointing need train mode
    module = StepModule(model, method.step)
    if rt.world > 1:
        ids = [rt.device.index] if rt.device.type == "cuda" else None
        module = nn.parallel.DistributedDataParallel(module, device_ids=ids)
    optimizer = make_optimizer(model, run.lr, run.weight_decay, rt.device)
    total = method.total_steps()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(run.warmup_steps, total, run.schedule))
    # fp16's narrow range flushes small gradients to zero; bf16 and fp32 share fp32's exponent range
    scaler = torch.amp.GradScaler(rt.device.type) if rt.dtype == torch.float16 else None
    fp = fingerprint(config if config is not None else {"run": to_dict(run)})
    return _Run(run, method, rt, module, optimizer, scheduler, total, out, scaler=scaler, config=fp)


def resume(r: _Run) -> None:
    """Continue from the last checkpoint (weights, optimizer, schedule, RNG, method state) if asked."""
    found = checkpoint.find(r.out) if r.run.resume else None
    if found:
        check_config(r.run, r.config)
        state = checkpoint.load(found, r.method.model, r.optimizer, r.scheduler, r.scaler)
        r.start, r.tokens = state["step"], state.get("tokens", 0)
        r.method.load_state_dict(state.get("source", {}))
        if r.rt.main:
            r.lines = cut_metrics(r.out / "metrics.jsonl", state)
            print(f"[posttrain] resumed from {found} at step {r.start}/{r.total}", file=sys.stderr)
    elif r.run.resume and r.rt.main:
        print(f"[posttrain] resume=true but no checkpoint in {r.out}; starting fresh", file=sys.stderr)
    if r.rt.main and not found:
        write_text_atomic(r.out / "metrics.jsonl", "")
    if r.rt.main and r.run.tracker != "none":
        r.tracker = open_tracker(r.run.tracker, r.out, r.config, r.start)
    if r.rt.main and r.run.progress:
        r.bar = tqdm(total=r.total, initial=r.start, desc=r.out.name, unit="step", dynamic_ncols=True, file=sys.stderr)


def cut_metrics(path: Path, state: dict) -> int:
    """Cut metrics.jsonl back to what it held when the checkpoint was written; the lines kept."""
    lines = path.read_text().splitlines(keepends=True) if path.exists() else []
    if "metrics_lines" in state:
        kept = lines[:state["metrics_lines"]]
    else:  # a checkpoint from before metrics_lines: its step's lines and earlier ones
        kept = [l for l in lines if l.endswith("\n") and json.loads(l).get("step", 0) <= state["step"]]
    write_text_atomic(path, "".join(kept))
    return len(kept)


def step(r: _Run, k: int) -> dict:
    """Optimizer step k: forward/backward over its micro-batches, clip, check, update; its metrics."""
    t0 = time.perf_counter()
    A, rt = r.run.grad_accum, r.rt
    batches = [r.method.micro_batch((k * A + a) * rt.world + rt.rank) for a in range(A)]
    r.method.begin_step(r.method.model, batches)
    units = rt.all_sum(sum(b.n_units for b in batches))
    loss_sum, n_tokens, sums = 0.0, 0, {}
    for a, batch in enumerate(batches):
        sync = nullcontext() if (rt.world == 1 or a == A - 1) else r.module.no_sync()
        with sync, rt.autocast():
            loss, m = r.module(rt.to(batch))
        scaled = loss * (rt.world / max(units, 1))
        (r.scaler.scale(scaled) if r.scaler is not None else scaled).backward()
        loss_sum += float(loss.detach())
        n_tokens += batch.n_tokens
        for key, v in m.items():
            sums[key] = sums.get(key, 0.0) + float(v)
    lr = r.scheduler.get_last_lr()[0]
    loss_sum = rt.all_sum(loss_sum)
    grad_norm, scale = update(r, k, loss_sum)
    n_tokens = int(rt.all_sum(n_tokens))
    r.tokens += n_tokens
    dt = time.perf_counter() - t0
    metrics = {"step": k + 1, "loss": loss_sum / max(units, 1), "lr": lr, "grad_norm": grad_norm,
               "tokens": r.tokens, "tokens_per_s": n_tokens / dt, "step_s": dt}
    if scale is not None:
        metrics["loss_scale"] = scale
    return {**metrics, **_reduce(sums, units, rt)}


def update(r: _Run, k: int, loss_sum: float) -> tuple[float, float | None]:
    """Unscale, clip, check and apply the step's gradients; (grad norm, loss scale used or None)."""
    if r.scaler is not None:
        r.scaler.unscale_(r.optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(r.method.model.parameters(),
                                               r.run.grad_clip if r.run.grad_clip > 0 else float("inf"))
    if r.scaler is None and (not math.isfinite(loss_sum) or not torch.isfinite(grad_norm)):
        kept = checkpoint.find(r.out)
        raise TrainingDiverged(f"loss became {loss_sum} (grad norm {float(grad_norm)}) at step {k + 1}; "
                               f"stopped before updating the weights. Last good checkpoint: {kept or 'none written yet'}. "
                               "Try a lower lr, grad_clip, or check the data.")
    scale = None
    if r.scaler is not None:  # a non-finite step is skipped and the scale halved: fp16 overflow, not divergence
        scale = r.scaler.get_scale()
        r.scaler.step(r.optimizer)
        r.scaler.update()
    else:
        r.optimizer.step()
    r.scheduler.step()
    r.optimizer.zero_grad(set_to_none=True)
    return float(grad_norm), scale


def _reduce(sums: dict, units: float, rt: Runtime) -> dict:
    """Metric sums over the step's micro-batches and processes, per unit."""
    keys = sorted(sums)
    if not keys:
        return {}
    t = torch.tensor([sums[k] for k in keys], dtype=torch.float64, device=rt.device)
    if rt.world > 1:
        dist.all_reduce(t)
    return {k: float(v) / max(units, 1) for k, v in zip(keys, t.tolist())}


def log(r: _Run, metrics: dict) -> None:
    """One line of metrics.jsonl and the progress bar (main process only)."""
    if not r.rt.main:
        return
    with open(r.out / "metrics.jsonl", "a") as f:
        f.write(json.dumps(metrics) + "\n")
    r.lines += 1
    if r.tracker is not None:
        r.tracker.log(metrics)
    if r.bar is not None and "loss" in metrics:
        r.bar.set_postfix(loss=f"{metrics['loss']:.3f}", lr=f"{metrics['lr']:.2e}", tok_s=f"{metrics['tokens_per_s']:.0f}")
        r.bar.update(1)


def finish(r: _Run, t_run: float) -> float:
    """Final evaluation, the last checkpoint when checkpointing, and the output folder; the seconds
    the run took until it started saving."""
    if r.bar is not None:
        r.bar.close()
    elapsed = time.perf_counter() - t_run
    if r.rt.main and r.run.save_every:  # the finished run stays extendable; otherwise the saved model is the output
        r.save_checkpoint(r.total)  # before the final evaluation and save: a resume killed in either redoes both
    final = r.method.evaluate(r.method.model) if r.rt.main else {}
    if final:
        r.last.update(final)
        log(r, {"step": r.total, **final})
    if r.rt.main:
        point("loop.before_final_save")
        r.method.save(r.method.model)
    if r.tracker is not None:
        r.tracker.close()
    if r.rt.world > 1:
        dist.barrier()
    return elapsed


def train(run: RunConfig, method: Method, rt: Runtime, stop_after: int | None = None,
          config: dict | None = None) -> dict:
    """Run the loop; returns a summary. `stop_after` simulates a kill after that step (tests); `config`
    is the stage's whole config (to_dict), whose fingerprint a resume checks."""
    r = plan(run, method, rt, config)
    resume(r)
    summary = {"steps": r.total, "start_step": r.start}
    t_run = time.perf_counter()
    for k in range(r.start, r.total):
        r.last = step(r, k)
        if run.eval_every and (k + 1) % run.eval_every == 0 and rt.main:
            r.last.update(method.evaluate(method.model))
        log(r, r.last)
        point("loop.after_log")
        if run.save_every and (k + 1) % run.save_every == 0 and k + 1 < r.total and rt.main:
            r.save_checkpoint(k + 1)
        point("loop.after_step")
        if stop_after is not None and k + 1 >= stop_after:
            if r.bar is not None:
                r.bar.close()
            if r.tracker is not None:
                r.tracker.close()
            return {**summary, "stopped_at": k + 1, "last": r.last}
    elapsed = finish(r, t_run)
    return {**summary, "last": r.last, "elapsed_s": elapsed, "tokens": r.tokens,
            "tokens_per_s": r.tokens / max(elapsed, 1e-9) if r.start == 0 else None}


def fit(cfg, make_method, stop_after: int | None = None) -> dict:
    """Build the run's Runtime once, the method on it, and train: the body of every training stage."""
    check_config(cfg.run, fingerprint(to_dict(cfg)))  # before the data and model load: a refusal is quick
    rt = Runtime.create(cfg.run.device, cfg.run.dtype)
    summary = train(cfg.run, make_method(cfg, rt), rt, stop_after, to_dict(cfg))
    # left to interpreter exit, gloo's threads can abort a rank ("terminate called without an active
    # exception", exit -6) after the run has finished and saved; on an error torchrun stops the others
    if rt.world > 1 and dist.is_initialized():
        dist.destroy_process_group()
    return summary
