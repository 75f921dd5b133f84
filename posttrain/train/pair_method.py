"""What the pair methods (preference losses, the reward model) share: a step from a per-pair loss,
and the held-out evaluation (mean loss and metrics per pair)."""

from __future__ import annotations

import torch

from posttrain.data.pairs import collate_pairs
from posttrain.core.runtime import Runtime, evaluating
from posttrain.train.method import DataMethod


def pair_evaluator(rows, pad_id: int, shared: bool, batch_size: int, rt: Runtime, batch_loss):
    """evaluate(model) over held-out pair rows: `batch_loss(model, batch) -> (losses, metric sums)`,
    averaged per unit and reported as `eval_*`."""
    @torch.no_grad()
    def evaluate(model) -> dict:
        total, sums = 0, {}
        with evaluating(model):
            for i in range(0, len(rows), batch_size):
                batch = rt.to(collate_pairs(rows[i:i + batch_size], pad_id, shared))
                with rt.autocast():
                    losses, metrics = batch_loss(model, batch)
                total += batch.n_units
                for k, v in {"loss": losses.sum(), **metrics}.items():
                    sums[k] = sums.get(k, 0.0) + float(v)
        return {f"eval_{k}": v / max(total, 1) for k, v in sums.items()}
    return evaluate


class PairMethod(DataMethod):
    """A pair method supplies `batch_loss(model, batch) -> (losses per pair, metric sums)` and sets
    `evaluate_fn` (a `pair_evaluator`, or None without held-out data)."""

    evaluate_fn = None

    def step(self, model, batch):
        losses, metrics = self.batch_loss(model, batch)
        return losses.sum(), metrics

    def evaluate(self, model) -> dict:
        return self.evaluate_fn(model) if self.evaluate_fn else {}
