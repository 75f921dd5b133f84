"""Next-token negative log-likelihood on trained positions only.

For a batch with hidden states h (B, T, H) and a mask m (B, T) marking trained target tokens,
the loss is Σ_{b,t: m[b,t]} −log softmax(h[b,t−1] · Wᵀ)[x[b,t]], a SUM: the training loop divides
by the number of trained tokens in the whole optimizer step (all micro-batches, all ranks), so
gradient accumulation over k micro-batches equals one k-times bigger batch.
"""

from __future__ import annotations

import torch

from posttrain.logprobs import linear_cross_entropy


def shifted_targets(hidden: torch.Tensor, input_ids: torch.Tensor, target_mask: torch.Tensor):
    """(N, H) hidden states that predict the N trained tokens, and those tokens (N,)."""
    sel = target_mask[:, 1:]
    return hidden[:, :-1][sel], input_ids[:, 1:][sel]


def nll_sum(hidden: torch.Tensor, weight: torch.Tensor, input_ids: torch.Tensor, target_mask: torch.Tensor,
            softcap: float | None = None) -> torch.Tensor:
    """Summed NLL over trained tokens; hidden (B, T, H), weight (V, H), input_ids/target_mask (B, T)."""
    h, y = shifted_targets(hidden, input_ids, target_mask)
    return linear_cross_entropy(h, weight, y, softcap=softcap)
