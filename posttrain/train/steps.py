"""Step functions: `step(model, batch) -> (loss_sum, metrics)`; the loop normalises and steps."""

from __future__ import annotations

import torch

from posttrain.attention import doc_layout, install, usable
from posttrain.logprobs import linear_token_logps
from posttrain.losses.sft import nll_sum
from posttrain.models import lm_parts


def hidden_states(model, batch):
    """Last hidden states. Packed batches (position ids, no attention mask) attend one document at a
    time (posttrain.attention), which equals the block-diagonal mask with far less work."""
    decoder = lm_parts(model)[0]
    kw = {}
    if batch.get("docs") is not None:  # an explicit layout (shared prompts): the collate function checked it is usable
        if not install(decoder.config):
            raise ValueError(f"shared-prompt batches need sdpa attention, the model uses {decoder.config._attn_implementation}; "
                             "set prefix_sharing=false")
        kw["posttrain_docs"] = batch["docs"]
    elif batch.get("attention_mask") is None and batch.get("position_ids") is not None:
        layout = doc_layout(batch["position_ids"])
        if usable(decoder.config, layout.max_len) and install(decoder.config):
            kw["posttrain_docs"] = layout
    out = decoder(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                  attention_mask=batch.get("attention_mask"), use_cache=False, **kw)
    return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]


def lm_step(model, batch):
    """Language-modelling loss on trained tokens: used by SFT (assistant tokens) and pretraining (all)."""
    _, head, cap = lm_parts(model)
    loss = nll_sum(hidden_states(model, batch), head.weight, batch["input_ids"], batch["target_mask"], cap)
    return loss, {"nll_sum": loss.detach()}


def sequence_logps(model, batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed log-probs of each counted sequence (n_seqs,) fp32 and its token counts, from a batch of
    `posttrain.data.pairs.collate_pairs` (sequence 2k is the first continuation of triple k, 2k+1 the second)."""
    _, head, cap = lm_parts(model)
    h = hidden_states(model, batch)
    h = h.reshape(-1, h.shape[-1]).index_select(0, batch["pred_index"])
    lp = linear_token_logps(h, head.weight, batch["targets"], cap)
    n, idx = batch["n_seqs"], batch["seq_index"]
    sums = torch.zeros(n, dtype=lp.dtype, device=lp.device).index_add(0, idx, lp)
    counts = torch.zeros(n, dtype=lp.dtype, device=lp.device).index_add(0, idx, torch.ones_like(lp))
    return sums, counts
