"""The one training loop: every method supplies rows, a collate function and a step function.

Order of data is a pure function of (seed, epoch), and micro-batch `i` of the run is always the
same rows, so a resumed run replays exactly what an uninterrupted one would have seen. Under
`torchrun` each rank takes every world-th micro-batch of the same sequence, so N processes with
grad_accum=k see the same global batch as one process with grad_accum=k·N. The loss of a step
is normalised by its total units (trained tokens, pairs...) over all micro-batches and ranks, and
so is every metric a step function returns (they are sums over its units; keys ending in `_sum`
are not reported).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from posttrain.models import autocast, pick_device, pick_dtype
from posttrain.train import checkpoint


class TrainingDiverged(RuntimeError):
    """Loss or gradient became NaN/inf; the last good checkpoint is kept."""


class StepModule(nn.Module):
    """Wraps model + step function so DDP sees one forward per micro-batch."""

    def __init__(self, model, step_fn):
        super().__init__()
        self.model, self.step_fn = model, step_fn

    def forward(self, batch):
        return self.step_fn(self.model, batch)


def dist_env() -> tuple[int, int, int]:
    """(rank, local_rank, world_size), initialising the process group under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0")), world


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


def to_device(batch: dict, device) -> dict:
    """Tensors (and tensor holders with a `.to`, e.g. attention layouts) onto the device."""
    return {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v.to(device) if hasattr(v, "to") else v
            for k, v in batch.items()}


def _all_sum(x: float, world: int, device) -> float:
    if world == 1:
        return float(x)
    t = torch.tensor([float(x)], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t.item())


def _extra(tokens: int, source) -> dict:
    return {"tokens": tokens, **({"source": source.state_dict()} if source is not None else {})}


def train(cfg, model, rows: list | None, collate_fn, step_fn, eval_fn=None, on_save=None, stop_after: int | None = None,
          source=None) -> dict:
    """Run the loop; returns a summary. `stop_after` simulates a kill after that step (tests).

    `source` replaces rows + collate_fn for data made during training (RL rollouts): it has
    `total_steps()`, `micro_batch(i)` and `state_dict()`/`load_state_dict()`, saved in checkpoints."""
    rank, local_rank, world = dist_env()
    device = pick_device(cfg.device)
    if device.type == "cuda" and world > 1:
        device = torch.device("cuda", local_rank)
    cdtype = pick_dtype(cfg.dtype, device)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    model.to(device)
    model.train()  # from_pretrained returns eval mode: dropout (LoRA's too) and checkpointing need train mode
    module = StepModule(model, step_fn)
    if world > 1:
        module = nn.parallel.DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay, device)

    B, A = cfg.batch_size, cfg.grad_accum
    if source is None:
        per_epoch = len(rows) // B
        steps_per_epoch = per_epoch // (A * world)
        if steps_per_epoch == 0:
            raise ValueError(f"{len(rows)} rows are too few for one step of batch_size={B} × grad_accum={A} × {world} processes")
        total = cfg.max_steps or max(1, math.ceil(cfg.epochs * steps_per_epoch))
    else:
        total = source.total_steps()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(cfg.warmup_steps, total, cfg.schedule))

    start, tokens_seen = 0, 0
    found = checkpoint.find(out) if cfg.resume else None
    if found:
        state = checkpoint.load(found, model, optimizer, scheduler)
        start, tokens_seen = state["step"], state.get("tokens", 0)
        if source is not None:
            source.load_state_dict(state.get("source", {}))
        if rank == 0:
            print(f"[posttrain] resumed from {found} at step {start}/{total}", file=sys.stderr)
    elif cfg.resume and rank == 0:
        print(f"[posttrain] resume=true but no checkpoint in {out}; starting fresh", file=sys.stderr)

    perms: dict[int, list[int]] = {}

    def micro_batch(i: int) -> dict:
        if source is not None:
            return source.micro_batch(i)
        epoch, k = divmod(i, per_epoch)
        if epoch not in perms:
            g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch)
            perms[epoch] = torch.randperm(len(rows), generator=g).tolist()
        return collate_fn([rows[j] for j in perms[epoch][k * B:(k + 1) * B]])

    metrics_path = out / "metrics.jsonl"
    if rank == 0 and not found:
        metrics_path.write_text("")
    bar = None
    if rank == 0 and cfg.progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=total, initial=start, desc=out.name, unit="step", dynamic_ncols=True, file=sys.stderr)

    summary = {"steps": total, "start_step": start}
    t_run = time.perf_counter()
    last = {}
    for step in range(start, total):
        t0 = time.perf_counter()
        batches = [micro_batch((step * A + a) * world + rank) for a in range(A)]
        units = _all_sum(sum(b["n_units"] for b in batches), world, device)
        loss_sum, n_tokens, extra = 0.0, 0, {}
        for a, batch in enumerate(batches):
            sync = nullcontext() if (world == 1 or a == A - 1) else module.no_sync()
            with sync, autocast(device, cdtype):
                loss, m = module(to_device(batch, device))
            (loss * (world / max(units, 1))).backward()
            loss_sum += float(loss.detach())
            n_tokens += batch["n_tokens"]
            for k, v in m.items():
                extra[k] = extra.get(k, 0.0) + float(v)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip if cfg.grad_clip > 0 else float("inf"))
        loss_sum = _all_sum(loss_sum, world, device)
        if not math.isfinite(loss_sum) or not torch.isfinite(grad_norm):
            kept = checkpoint.find(out)
            raise TrainingDiverged(f"loss became {loss_sum} (grad norm {float(grad_norm)}) at step {step + 1}; "
                                   f"stopped before updating the weights. Last good checkpoint: {kept or 'none written yet'}. "
                                   "Try a lower lr, grad_clip, or check the data.")
        lr = scheduler.get_last_lr()[0]
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)

        n_tokens = int(_all_sum(n_tokens, world, device))
        tokens_seen += n_tokens
        dt = time.perf_counter() - t0
        last = {"step": step + 1, "loss": loss_sum / max(units, 1), "lr": lr, "grad_norm": float(grad_norm),
                "tokens": tokens_seen, "tokens_per_s": n_tokens / dt, "step_s": dt}
        keys = sorted(k for k in extra if not k.endswith("_sum"))
        if keys:
            sums = torch.tensor([extra[k] for k in keys], dtype=torch.float64, device=device)
            if world > 1:
                dist.all_reduce(sums)
            last.update({k: float(v) / max(units, 1) for k, v in zip(keys, sums.tolist())})
        if eval_fn is not None and cfg.eval_every and (step + 1) % cfg.eval_every == 0 and rank == 0:
            last.update(eval_fn(model))
        if rank == 0:
            with open(metrics_path, "a") as f:
                f.write(json.dumps(last) + "\n")
            if bar is not None:
                bar.set_postfix(loss=f"{last['loss']:.3f}", lr=f"{lr:.2e}", tok_s=f"{last['tokens_per_s']:.0f}")
                bar.update(1)
        if cfg.save_every and (step + 1) % cfg.save_every == 0 and step + 1 < total and rank == 0:
            checkpoint.save(out, model, optimizer, scheduler, step + 1, _extra(tokens_seen, source))
        if stop_after is not None and step + 1 >= stop_after:
            if bar is not None:
                bar.close()
            return {**summary, "stopped_at": step + 1, "last": last}
    if bar is not None:
        bar.close()
    if eval_fn is not None and rank == 0:
        final_eval = eval_fn(model)
        last.update(final_eval)
        with open(metrics_path, "a") as f:
            f.write(json.dumps({"step": total, **final_eval}) + "\n")
    elapsed = time.perf_counter() - t_run
    if rank == 0:
        if cfg.save_every:  # the finished run stays extendable; otherwise the saved model is the output
            checkpoint.save(out, model, optimizer, scheduler, total, _extra(tokens_seen, source))
        if on_save is not None:
            on_save(model)
    if world > 1:
        dist.barrier()
    return {**summary, "last": last, "elapsed_s": elapsed, "tokens": tokens_seen,
            "tokens_per_s": tokens_seen / max(elapsed, 1e-9) if start == 0 else None}
