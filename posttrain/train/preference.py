"""Preference stages: DPO and its family, SimPO, ORPO (pairs) and KTO (unpaired), one step function.

Every batch holds prompts with two continuations (chosen/rejected, or for KTO a completion and a
mismatched completion for the KL reference point), laid out so each prompt runs once
(`posttrain.data.pairs`). The step takes summed log-probs per continuation from the policy and
the reference and hands them to a pure loss (`posttrain.losses.preference`).

Reference log-probs come from one pass over the data before training (`reference=precompute`,
the default: no second model in memory, one forward per example in all), from the policy with
its LoRA adapter disabled (`adapter`), or from a frozen copy (`copy`).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import sys
from pathlib import Path

import torch

from posttrain.attention import usable
from posttrain.chat import resolve_template
from posttrain.data.pairs import collate_pairs, make_pair_rows, render_pairs, render_unpaired
from posttrain.data.preference import load_pairs, load_unpaired
from posttrain.losses.preference import PAIR_LOSSES, REFERENCE_FREE, kto
from posttrain.lora import disable_adapters
from posttrain.models import autocast, lm_parts, load_tokenizer, pick_device, pick_dtype
from posttrain.train.loop import dist_env, to_device, train
from posttrain.train.output import write_run_files
from posttrain.train.prepare import prepare_model
from posttrain.train.steps import sequence_logps

REF_CACHE = "reference_logps.json"


def _reference_kind(cfg) -> str | None:
    if cfg.loss in REFERENCE_FREE:
        return None
    if cfg.reference == "auto":
        return "precompute"
    return cfg.reference


def _params(cfg) -> dict:
    return dict(beta=cfg.beta, label_smoothing=cfg.label_smoothing, rpo_alpha=cfg.rpo_alpha, simpo_gamma=cfg.simpo_gamma,
                desirable_weight=cfg.desirable_weight, undesirable_weight=cfg.undesirable_weight)


def preference_loss(cfg, logps, counts, ref, labels):
    """(losses per unit, metric sums) from per-sequence log-probs; `ref` None for reference-free losses."""
    first, second = logps[0::2], logps[1::2]
    n1, n2 = counts[0::2], counts[1::2]
    r1, r2 = (ref[0::2], ref[1::2]) if ref is not None else (torch.zeros_like(first), torch.zeros_like(second))
    n = first.shape[0]
    if cfg.loss == "kto":
        losses, rewards, z = kto(first, r1, second.detach(), r2, labels, **_params(cfg))
        good, bad = labels.float(), (~labels).float()
        r = rewards.detach()
        metrics = {"kl": z * n, "rewards": r.sum(), "logps": first.detach().sum(),
                   "rewards_desirable": (r * good).sum() * n / good.sum().clamp(min=1),
                   "rewards_undesirable": (r * bad).sum() * n / bad.sum().clamp(min=1)}
        return losses, metrics
    losses, rc, rr = PAIR_LOSSES[cfg.loss](first, second, r1, r2, n1, n2, **_params(cfg))
    rc, rr = rc.detach(), rr.detach()
    metrics = {"rewards_chosen": rc.sum(), "rewards_rejected": rr.sum(), "margin": (rc - rr).sum(),
               "accuracy": (rc > rr).float().sum(), "logps_chosen": first.detach().sum(),
               "logps_rejected": second.detach().sum()}
    if ref is not None:  # sequence-level log-ratio to the reference on the data: a proxy for the KL
        metrics["kl"] = ((first - r1) + (second - r2)).detach().sum() / 2
    return losses, metrics


class Reference:
    """Reference log-probs for a batch: precomputed (stored in the batch), adapter-disabled, or a copy."""

    def __init__(self, kind: str | None, model):
        self.kind = kind
        self.copy = copy.deepcopy(model).eval().requires_grad_(False) if kind == "copy" else None

    def __call__(self, model, batch):
        if self.kind is None:
            return None
        if self.kind == "precompute":
            ref = batch["ref_logps"]
            if torch.isnan(ref).any():
                raise RuntimeError("batch without precomputed reference log-probs")
            return ref
        with torch.no_grad():
            if self.kind == "adapter":
                with disable_adapters(model):
                    return sequence_logps(model, batch)[0]
            dev = next(model.parameters()).device
            if next(self.copy.parameters()).device != dev:
                self.copy.to(dev)
            return sequence_logps(self.copy, batch)[0]


@torch.no_grad()
def precompute_reference(model, triples, shared: bool, pad_id: int, row_len: int, batch_size: int, dtype,
                         device, quiet: bool = False) -> None:
    """One pass of the reference (the untrained policy; LoRA disabled) over every triple: `t.ref`."""
    from tqdm.auto import tqdm

    rows = make_pair_rows(triples, row_len, shared)
    was = model.training
    model.eval()
    ctx = disable_adapters(model) if hasattr(model, "posttrain_lora") else contextlib.nullcontext()
    with ctx:
        for i in tqdm(range(0, len(rows), batch_size), desc="reference log-probs", disable=quiet, file=sys.stderr):
            group = rows[i:i + batch_size]
            batch = collate_pairs(group, pad_id, shared)
            batch = to_device(batch, device)
            with autocast(device, dtype):
                logps = sequence_logps(model, batch)[0].float().cpu()
            for k, t in enumerate(x for row in group for x in row):
                t.ref = (float(logps[2 * k]), float(logps[2 * k + 1]))
    model.train(was)


def _cache_key(cfg, triples) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([cfg.model, cfg.template, cfg.max_len, cfg.loss == "kto"]).encode())
    for t in triples:
        h.update(json.dumps([t.index, t.prompt, t.first, t.second]).encode())
    return h.hexdigest()[:16]


def _with_reference(cfg, model, sets: dict, shared, tokenizer, device, cdtype, quiet):
    """Fill `t.ref` for every triple of every set, from the cache in output_dir when it matches."""
    path = Path(cfg.output_dir) / REF_CACHE
    keys = {name: _cache_key(cfg, ts) for name, ts in sets.items()}
    cache = json.loads(path.read_text()) if path.exists() else {}
    for name, ts in sets.items():
        hit = cache.get(name)
        if hit and hit.get("key") == keys[name]:
            for t, r in zip(ts, hit["logps"]):
                t.ref = tuple(r)
            continue
        precompute_reference(model, ts, shared, tokenizer.pad_token_id, 2 * cfg.max_len, cfg.batch_size, cdtype, device, quiet)
        cache[name] = {"key": keys[name], "logps": [list(t.ref) for t in ts]}
    if dist_env()[0] == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache))
        tmp.replace(path)


def run_preference(cfg, stage: str = "dpo", stop_after: int | None = None) -> dict:
    rank = dist_env()[0]
    quiet = rank != 0
    tokenizer = load_tokenizer(cfg.model)
    template = resolve_template(tokenizer, cfg.template)
    if cfg.loss == "kto":
        train_set = render_unpaired(tokenizer, load_unpaired(cfg.data, cfg.skip_invalid), template, cfg.max_len, quiet)
        eval_set = (render_unpaired(tokenizer, load_unpaired(cfg.eval_data, cfg.skip_invalid), template, cfg.max_len, True)
                    if cfg.eval_data else None)
    else:
        train_set = render_pairs(tokenizer, load_pairs(cfg.data, cfg.skip_invalid), template, cfg.max_len, quiet)
        eval_set = (render_pairs(tokenizer, load_pairs(cfg.eval_data, cfg.skip_invalid), template, cfg.max_len, True)
                    if cfg.eval_data else None)

    model = prepare_model(cfg, verbose=not quiet)
    decoder = lm_parts(model)[0]
    shared = cfg.prefix_sharing and usable(decoder.config, cfg.max_len)
    if cfg.prefix_sharing and not shared and not quiet:
        print("[posttrain] prefix sharing off: the model's attention cannot use the shared layout", file=sys.stderr)
    device = pick_device(cfg.device)
    cdtype = pick_dtype(cfg.dtype, device)
    kind = _reference_kind(cfg)
    if kind == "precompute":
        model.to(device)
        sets = {"train": train_set, **({"eval": eval_set} if eval_set else {})}
        _with_reference(cfg, model, sets, shared, tokenizer, device, cdtype, quiet)
    reference = Reference(kind, model)
    rows = make_pair_rows(train_set, 2 * cfg.max_len, shared, cfg.packing)
    if not quiet:
        n_tok = sum(t.size(shared) for t in train_set)
        print(f"[posttrain] {len(train_set)} {'examples' if cfg.loss == 'kto' else 'pairs'}, {n_tok:,} tokens in "
              f"{len(rows)} rows; prefix sharing {'on' if shared else 'off'}; reference: {kind or 'none'}", file=sys.stderr)

    def batch_loss(m, batch):
        logps, counts = sequence_logps(m, batch)
        return preference_loss(cfg, logps, counts, reference(m, batch), batch["labels"])

    eval_fn = None
    if eval_set:
        eval_fn = pair_evaluator(make_pair_rows(eval_set, 2 * cfg.max_len, shared, cfg.packing), tokenizer.pad_token_id,
                                 shared, cfg.batch_size, cfg.dtype, batch_loss)

    def on_save(m):
        write_run_files(m, tokenizer, cfg, template, stage)

    return train(cfg, model, rows, lambda items: collate_pairs(items, tokenizer.pad_token_id, shared),
                 sum_step(batch_loss), eval_fn, on_save, stop_after)


def sum_step(batch_loss):
    """A loop step function from `batch_loss(model, batch) -> (losses per unit, metric sums)`."""
    def step(m, batch):
        losses, metrics = batch_loss(m, batch)
        return losses.sum(), metrics
    return step


def pair_evaluator(rows, pad_id: int, shared: bool, batch_size: int, dtype: str, batch_loss):
    """eval_fn for the loop over held-out pair rows: mean loss and metrics per unit, as `eval_*`."""
    @torch.no_grad()
    def eval_fn(m):
        was = m.training
        m.eval()
        dev = next(m.parameters()).device
        total, sums = 0, {}
        for i in range(0, len(rows), batch_size):
            batch = to_device(collate_pairs(rows[i:i + batch_size], pad_id, shared), dev)
            with autocast(dev, pick_dtype(dtype, dev)):
                losses, metrics = batch_loss(m, batch)
            total += batch["n_units"]
            for k, v in {"loss": losses.sum(), **metrics}.items():
                sums[k] = sums.get(k, 0.0) + float(v)
        m.train(was)
        return {f"eval_{k}": v / max(total, 1) for k, v in sums.items()}
    return eval_fn
