"""The model's forward as the methods use it: hidden states, then the output layer only where needed.

- `hidden_states`: packed rows (position ids restarting, no attention mask) attend one document at
  a time (posttrain.nn.attention), which equals the block-diagonal mask with far less work; pair
  batches bring their own layout (a shared prompt seen by both continuations).
- `lm_loss`: summed next-token NLL on trained tokens (SFT on assistant tokens, pretraining on all).
- `sequence_logps`: summed log-probs of each continuation of a pair batch.
- `token_logps`: per-token log-probs (and values) of sampled completions, at the sampling temperature.
The full [tokens, vocabulary] logits never exist: the output layer runs chunked, on the rows that count.
"""

from __future__ import annotations

import torch

from posttrain.nn.attention import doc_layout, install, usable
from posttrain.data.batches import LMBatch, PairBatch, RolloutBatch
from posttrain.nn.logprobs import linear_cross_entropy, linear_token_logps
from posttrain.model.hf import lm_parts


def hidden_states(model, batch):
    """Last hidden states (B, T, H) of any batch layout."""
    decoder = lm_parts(model)[0]
    kw = {}
    docs = getattr(batch, "docs", None)
    if docs is not None:  # an explicit layout (shared prompts): the collate function checked it is usable
        if not install(decoder.config):
            raise ValueError(f"shared-prompt batches need sdpa attention, the model uses {decoder.config._attn_implementation}; "
                             "set prefix_sharing=false")
        kw["posttrain_docs"] = docs
    elif batch.attention_mask is None and batch.position_ids is not None:
        layout = doc_layout(batch.position_ids)
        if usable(decoder.config, layout.max_len) and install(decoder.config):
            kw["posttrain_docs"] = layout
    out = decoder(input_ids=batch.input_ids, position_ids=batch.position_ids, attention_mask=batch.attention_mask,
                  use_cache=False, **kw)
    return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]


def shifted_targets(hidden: torch.Tensor, input_ids: torch.Tensor, target_mask: torch.Tensor):
    """(N, H) hidden states that predict the N trained tokens, and those tokens (N,)."""
    sel = target_mask[:, 1:]
    return hidden[:, :-1][sel], input_ids[:, 1:][sel]


def lm_loss(model, batch: LMBatch) -> torch.Tensor:
    """Σ over trained tokens of −log p(token | prefix): a SUM, which the loop divides by the step's
    trained tokens (all micro-batches, all ranks), so accumulation equals a bigger batch."""
    _, head, cap = lm_parts(model)
    h, y = shifted_targets(hidden_states(model, batch), batch.input_ids, batch.target_mask)
    return linear_cross_entropy(h, head.weight, y, softcap=cap)


def sequence_logps(model, batch: PairBatch) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed log-probs of each counted sequence (n_seqs,) fp32 and its token counts (sequence 2k is
    the first continuation of triple k, 2k+1 the second)."""
    _, head, cap = lm_parts(model)
    h = hidden_states(model, batch)
    h = h.reshape(-1, h.shape[-1]).index_select(0, batch.pred_index)
    lp = linear_token_logps(h, head.weight, batch.targets, cap)
    n, idx = batch.n_seqs, batch.seq_index
    sums = torch.zeros(n, dtype=lp.dtype, device=lp.device).index_add(0, idx, lp)
    counts = torch.zeros(n, dtype=lp.dtype, device=lp.device).index_add(0, idx, torch.ones_like(lp))
    return sums, counts


def token_logps(model, batch: RolloutBatch, temperature: float = 1.0, value_head=None):
    """Per-token log-probs (N, Tc) fp32 of the completions under softmax(logits / temperature), zero
    on padding; with `value_head`, also per-token values (N, Tc) read from the same hidden states."""
    _, head, cap = lm_parts(model)
    h = hidden_states(model, batch)
    h = h.reshape(-1, h.shape[-1]).index_select(0, batch.pred_index)
    lp = linear_token_logps(h, head.weight, batch.targets, cap, temperature=temperature)
    shape = batch.mask.shape
    logps = lp.new_zeros(shape.numel()).index_copy(0, batch.tok_index, lp).view(shape)
    if value_head is None:
        return logps, None
    v = value_head(h.to(value_head.weight.dtype)).squeeze(-1).float()
    values = v.new_zeros(shape.numel()).index_copy(0, batch.tok_index, v).view(shape)
    return logps, values
