"""Token-weighted perplexity: exp(total NLL / total tokens), never a mean of per-batch means.

Works on conversations (only assistant tokens count, as in training) and on plain text (every
token after the first counts). Batches are padded rows; the NLL is summed per token.
"""

from __future__ import annotations

import math

import torch

from posttrain.data.chat import Rendered
from posttrain.data.batching import collate_padded
from posttrain.model.forward import lm_loss
from posttrain.core.runtime import autocast, evaluating, pick_dtype


@torch.no_grad()
def total_nll(model, examples: list[Rendered], pad_id: int, batch_size: int = 8, dtype: str = "auto") -> tuple[float, int]:
    """(Σ NLL, number of scored tokens) over examples, under the same precision as training."""
    device = next(model.parameters()).device
    cdtype = pick_dtype(dtype, device)
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].ids))  # less padding
    nll, count = 0.0, 0
    with evaluating(model):
        for i in range(0, len(order), batch_size):
            batch = collate_padded([examples[j] for j in order[i:i + batch_size]], pad_id).to(device)
            with autocast(device, cdtype):
                nll += float(lm_loss(model, batch))
            count += batch.n_units
    return nll, count


def perplexity(model, examples: list[Rendered], pad_id: int, batch_size: int = 8, dtype: str = "auto") -> float:
    nll, n = total_nll(model, examples, pad_id, batch_size, dtype)
    return math.exp(nll / max(n, 1))


def text_examples(tokenizer, text: str, seq_len: int = 256, max_tokens: int | None = None) -> list[Rendered]:
    """Plain text → rows of seq_len tokens, every token but each row's first scored."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if max_tokens:
        ids = ids[:max_tokens]
    rows = []
    for i in range(0, len(ids), seq_len):
        chunk = ids[i:i + seq_len]
        if len(chunk) > 1:
            rows.append(Rendered(chunk, [0] + [1] * (len(chunk) - 1)))
    return rows
