"""Preference stages: DPO and its family, SimPO, ORPO (pairs) and KTO (unpaired), one method.

Every batch holds prompts with two continuations (chosen/rejected, or for KTO a completion and a
mismatched completion for the KL reference point), laid out so each prompt runs once
(`posttrain.data.pairs`). The step takes summed log-probs per continuation from the policy and
the reference and hands them to a pure loss (`posttrain.losses.preference`).

Reference log-probs come from one pass over the data before training (`reference=precompute`,
the default: no second model in memory, one forward per example in all), from the policy with
its LoRA adapter disabled (`adapter`), or from a frozen copy (`copy`); see train/reference.py.
"""

from __future__ import annotations

import dataclasses
import sys

import torch

from posttrain.nn.attention import usable
from posttrain.data.chat import resolve_template
from posttrain.data.batches import PairBatch
from posttrain.data.pairs import collate_pairs, make_pair_rows, render_pairs, render_unpaired
from posttrain.data.preference import iter_pairs, iter_unpaired
from posttrain.model.forward import sequence_logps
from posttrain.losses.preference import PAIR_LOSSES, REFERENCE_FREE, kto, kto_reference_point
from posttrain.model.hf import lm_parts, load_tokenizer
from posttrain.core.runtime import Runtime, evaluating
from posttrain.train.loop import fit
from posttrain.train.method import RowSource
from posttrain.train.output import write_run_files
from posttrain.train.pair_method import PairMethod, pair_evaluator
from posttrain.train.prepare import prepare_model
from posttrain.train.reference import Reference, preference_kind
from posttrain.train.reference_cache import with_reference

def loss_params(section) -> dict:
    """The method section's numbers as the loss functions name them."""
    params = {k: v for k, v in dataclasses.asdict(section).items() if k not in ("loss", "reference")}
    if "gamma" in params:
        params["simpo_gamma"] = params.pop("gamma")
    return params


def preference_loss(loss: str, params: dict, logps, counts, ref, labels, z: float | None = None):
    """(losses per unit, metric sums) from per-sequence log-probs; `ref` None for reference-free losses.
    KTO's reference point `z` is the step's (`Preference.begin_step`); None takes this batch's own."""
    first, second = logps[0::2], logps[1::2]
    n1, n2 = counts[0::2], counts[1::2]
    r1, r2 = (ref[0::2], ref[1::2]) if ref is not None else (torch.zeros_like(first), torch.zeros_like(second))
    n = first.shape[0]
    if loss == "kto":
        if z is None:
            z = kto_reference_point(float((second - r2).sum()), n)
        losses, rewards = kto(first, r1, z, labels, **params)
        good, bad = labels.float(), (~labels).float()
        r = rewards.detach()
        metrics = {"kl": z * n, "rewards": r.sum(), "logps": first.detach().sum(),
                   "rewards_desirable": (r * good).sum() * n / good.sum().clamp(min=1),
                   "rewards_undesirable": (r * bad).sum() * n / bad.sum().clamp(min=1)}
        return losses, metrics
    losses, rc, rr = PAIR_LOSSES[loss](first, second, r1, r2, n1, n2, **params)
    rc, rr = rc.detach(), rr.detach()
    metrics = {"rewards_chosen": rc.sum(), "rewards_rejected": rr.sum(), "margin": (rc - rr).sum(),
               "accuracy": (rc > rr).float().sum(), "logps_chosen": first.detach().sum(),
               "logps_rejected": second.detach().sum()}
    if ref is not None:  # sequence-level log-ratio to the reference on the data: a proxy for the KL
        metrics["kl"] = ((first - r1) + (second - r2)).detach().sum() / 2
    return losses, metrics


def reference_logps(reference: Reference, model, batch: PairBatch):
    """Reference log-probs of a batch: carried in it (precomputed) or run now; None without a reference."""
    if reference.kind is None:
        return None
    if reference.kind == "precompute":
        if torch.isnan(batch.ref_logps).any():
            raise RuntimeError("batch without precomputed reference log-probs")
        return batch.ref_logps
    return reference.run(model, lambda m, b: sequence_logps(m, b)[0], batch)


class Preference(PairMethod):
    """DPO family, SimPO, ORPO and KTO: policy and reference log-probs of two continuations → a pure loss."""

    def __init__(self, cfg, rt: Runtime):
        self.cfg, self.rt, mc, data = cfg, rt, cfg.model, cfg.data
        self.loss, self.params, self.z = cfg.loss, loss_params(cfg.method), None
        self.tokenizer = load_tokenizer(mc.path)
        self.template = resolve_template(self.tokenizer, mc.template)
        train_set, eval_set = self._render()
        self.model = prepare_model(mc, cfg.run.seed, verbose=rt.main)
        shared = data.prefix_sharing and usable(lm_parts(self.model)[0].config, mc.max_len)
        if data.prefix_sharing and not shared and rt.main:
            print("[posttrain] prefix sharing off: the model's attention cannot use the shared layout", file=sys.stderr)
        kind = preference_kind(getattr(cfg.method, "reference", "auto"), self.loss not in REFERENCE_FREE)
        if kind == "precompute":
            sets = {"train": train_set, **({"eval": eval_set} if eval_set else {})}
            with_reference(cfg, self.model, sets, shared, self.tokenizer, rt)
        self.reference = Reference(kind, self.model)
        rows = make_pair_rows(train_set, 2 * mc.max_len, shared, data.packing)
        if rt.main:
            n_tok = sum(t.size(shared) for t in train_set)
            print(f"[posttrain] {len(train_set)} {'examples' if self.loss == 'kto' else 'pairs'}, {n_tok:,} tokens in "
                  f"{len(rows)} rows; prefix sharing {'on' if shared else 'off'}; reference: {kind or 'none'}", file=sys.stderr)
        pad = self.tokenizer.pad_token_id
        self.source = RowSource(rows, lambda items: collate_pairs(items, pad, shared), cfg.run, rt.world)
        if eval_set:
            eval_rows = make_pair_rows(eval_set, 2 * mc.max_len, shared, data.packing)
            self.evaluate_fn = pair_evaluator(eval_rows, pad, shared, cfg.run.batch_size, rt, self.batch_loss)

    def _render(self):
        mc, data, quiet = self.cfg.model, self.cfg.data, not self.rt.main
        # rows are rendered as they are read: only the compact triples stay in memory
        load, render = (iter_unpaired, render_unpaired) if self.loss == "kto" else (iter_pairs, render_pairs)
        train_set = render(self.tokenizer, load(data.train, data.skip_invalid, forbid=self.tokenizer), self.template, mc.max_len, quiet)
        eval_set = (render(self.tokenizer, load(data.eval, data.skip_invalid, forbid=self.tokenizer), self.template, mc.max_len, True)
                    if data.eval else None)
        return train_set, eval_set

    def batch_loss(self, model, batch: PairBatch, z: float | None = None):
        logps, counts = sequence_logps(model, batch)
        ref = reference_logps(self.reference, model, batch)
        return preference_loss(self.loss, self.params, logps, counts, ref, batch.labels, z)

    def begin_step(self, model, batches) -> None:
        """KTO: the reference point z of the whole optimizer step, from every micro-batch's mismatched
        completions on every process (the weights do not change within a step, so a no-grad pass
        first gives what the step's own forwards would), so accumulation and DDP equal one batch."""
        if self.loss != "kto":
            return
        total, n = 0.0, 0
        with torch.no_grad(), evaluating(model):
            for batch in batches:
                batch = self.rt.to(batch)
                with self.rt.autocast():
                    logps = sequence_logps(model, batch)[0]
                    ref = reference_logps(self.reference, model, batch)
                total += float((logps[1::2] - ref[1::2]).sum())
                n += batch.n_units
        self.z = kto_reference_point(self.rt.all_sum(total), self.rt.all_sum(n))

    def step(self, model, batch):
        losses, metrics = self.batch_loss(model, batch, self.z)
        return losses.sum(), metrics

    def save(self, model) -> None:
        write_run_files(model, self.tokenizer, self.cfg, self.template, self.cfg.stage)


def run_preference(cfg, stop_after: int | None = None) -> dict:
    return fit(cfg, Preference, stop_after)
