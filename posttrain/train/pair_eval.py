"""Held-out evaluation of pair methods (preference losses, reward models): mean loss and metrics per pair."""

from __future__ import annotations

import torch

from posttrain.data.pairs import collate_pairs
from posttrain.runtime import Runtime, evaluating


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
