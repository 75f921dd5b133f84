"""Step functions: `step(model, batch) -> (loss_sum, metrics)`; the loop normalises and steps."""

from __future__ import annotations

from posttrain.losses.sft import nll_sum
from posttrain.models import lm_parts


def hidden_states(model, batch):
    decoder = lm_parts(model)[0]
    out = decoder(input_ids=batch["input_ids"], position_ids=batch["position_ids"],
                  attention_mask=batch.get("attention_mask"), use_cache=False)
    return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]


def lm_step(model, batch):
    """Language-modelling loss on trained tokens: used by SFT (assistant tokens) and pretraining (all)."""
    _, head, cap = lm_parts(model)
    loss = nll_sum(hidden_states(model, batch), head.weight, batch["input_ids"], batch["target_mask"], cap)
    return loss, {"nll_sum": loss.detach()}
