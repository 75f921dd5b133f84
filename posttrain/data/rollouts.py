"""Sampled completions laid out for the update: right-padded [prompt | completion] rows."""

from __future__ import annotations

import torch

from posttrain.data.batches import RolloutBatch


def collate_rollout(prompt_ids: list[list[int]], completion_ids: list[list[int]], pad_id: int,
                    n_units: int = 0) -> RolloutBatch:
    """Right-padded [prompt | completion] rows (N, T), and where each completion token is predicted.

    pred_index: flat (N·T) positions whose hidden state predicts a completion token; targets: those
    tokens; tok_index: where each lands in the (N, Tc) per-token tensors; mask (N, Tc): real tokens.
    """
    N = len(prompt_ids)
    T = max(len(p) + len(c) for p, c in zip(prompt_ids, completion_ids))
    Tc = max(len(c) for c in completion_ids)
    ids = torch.full((N, T), pad_id, dtype=torch.long)
    attn = torch.zeros((N, T), dtype=torch.long)
    mask = torch.zeros((N, Tc), dtype=torch.bool)
    pred, targets, tok = [], [], []
    for i, (p, c) in enumerate(zip(prompt_ids, completion_ids)):
        seq = list(p) + list(c)
        ids[i, :len(seq)] = torch.tensor(seq)
        attn[i, :len(seq)] = 1
        mask[i, :len(c)] = True
        pred += [i * T + len(p) - 1 + j for j in range(len(c))]
        targets += list(c)
        tok += [i * Tc + j for j in range(len(c))]
    return RolloutBatch(n_units=n_units, n_tokens=int(mask.sum()), input_ids=ids, attention_mask=attn,
                        position_ids=torch.arange(T).expand(N, T).contiguous(), pred_index=torch.tensor(pred),
                        targets=torch.tensor(targets), tok_index=torch.tensor(tok), mask=mask)
