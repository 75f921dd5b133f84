"""Step functions: `step(model, batch) -> (loss_sum, metrics)`; the loop normalises and steps."""

from __future__ import annotations

from posttrain.attention import doc_layout, install, usable
from posttrain.losses.sft import nll_sum
from posttrain.models import lm_parts


def hidden_states(model, batch):
    """Last hidden states. Packed batches (position ids, no attention mask) attend one document at a
    time (posttrain.attention), which equals the block-diagonal mask with far less work."""
    decoder = lm_parts(model)[0]
    kw = {}
    if batch.get("attention_mask") is None and batch.get("position_ids") is not None:
        layout = doc_layout(batch["position_ids"])
        if usable(decoder.config, layout) and install(decoder.config):
            kw["posttrain_docs"] = layout
    out = decoder(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                  attention_mask=batch.get("attention_mask"), use_cache=False, **kw)
    return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]


def lm_step(model, batch):
    """Language-modelling loss on trained tokens: used by SFT (assistant tokens) and pretraining (all)."""
    _, head, cap = lm_parts(model)
    loss = nll_sum(hidden_states(model, batch), head.weight, batch["input_ids"], batch["target_mask"], cap)
    return loss, {"nll_sum": loss.detach()}
