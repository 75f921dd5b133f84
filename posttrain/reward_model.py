"""Reward models: load one, and read its scalar reward for pairs (training) or single answers (scoring).

A reward model is `AutoModelForSequenceClassification` with one label over the base LM, so a
saved folder is a plain Hugging Face folder: `from_pretrained(out)(ids).logits` gives the same
reward. The reward is read at the last token that is not padding — the rule transformers applies —
and the renderer ends every answer with its end-of-turn token, so pad == eos does not move it.
"""

from __future__ import annotations

import torch
from transformers import AutoModelForSequenceClassification

from posttrain.chat import render, resolve_template
from posttrain.data.batches import LMBatch, PairBatch
from posttrain.data.batching import collate_padded
from posttrain.data.formats import load_rows
from posttrain.data.preference import to_pair, to_unpaired
from posttrain.forward import hidden_states
from posttrain.models import clear_quantization, load_tokenizer
from posttrain.runtime import autocast, evaluating, pick_device, pick_dtype


def load_reward_model(path: str, tokenizer=None):
    """A causal LM folder (new random head) or a saved reward model, as a 1-label sequence classifier."""
    tokenizer = tokenizer or load_tokenizer(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1, dtype=torch.float32)
    clear_quantization(model)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def pair_rewards(model, batch: PairBatch) -> torch.Tensor:
    """Scalar reward of every continuation in a pair batch (2k,), fp32."""
    h = hidden_states(model, batch)
    h = h.reshape(-1, h.shape[-1]).index_select(0, batch.last_index)
    return model.score(h).squeeze(-1).float()


def row_rewards(model, batch: LMBatch, pad_id: int) -> torch.Tensor:
    """Scalar reward of each right-padded row (B,), read at its last token that is not padding."""
    h = hidden_states(model, batch)
    T = batch.input_ids.shape[1]
    last = (torch.arange(T, device=h.device) * (batch.input_ids != pad_id)).argmax(-1)
    return model.score(h[torch.arange(h.shape[0], device=h.device), last]).squeeze(-1).float()


@torch.no_grad()
def score_items(model, tokenizer, template: str, items, max_len: int = 1024, batch_size: int = 16,
                dtype: str = "auto") -> list[float]:
    """Rewards of (prompt messages, answer messages) items: one row per answer, batched."""
    device = next(model.parameters()).device
    rendered = []
    for i, (prompt, answer) in enumerate(items):
        r = render(tokenizer, prompt + answer, template, max_len, last_turn_only=True)
        if 1 not in r.mask:
            raise ValueError(f"item {i}: the prompt leaves no room for its answer within max_len={max_len}")
        rendered.append(r)
    out = []
    with evaluating(model):
        for i in range(0, len(rendered), batch_size):
            batch = collate_padded(rendered[i:i + batch_size], tokenizer.pad_token_id).to(device)
            with autocast(device, pick_dtype(dtype, device)):
                out += row_rewards(model, batch, tokenizer.pad_token_id).tolist()
    return out


def open_reward_model(path: str, template: str | None = None):
    """(model on the auto device in eval mode, tokenizer, resolved template) of a saved reward model."""
    tokenizer = load_tokenizer(path)
    model = load_reward_model(path, tokenizer).to(pick_device("auto")).eval()
    return model, tokenizer, resolve_template(tokenizer, template)


def score_file(model_path: str, data: str, template: str | None = None) -> list[float]:
    """Rewards of (prompt, completion) rows (or of prompt+chosen / prompt+rejected for pair rows, in turn)."""
    def convert(row, where):
        if "chosen" in row:
            p = to_pair(row, where)
            return [(p.prompt, p.chosen), (p.prompt, p.rejected)]
        u = to_unpaired({**row, "label": True}, where)
        return [(u.prompt, u.completion)]

    items = [x for group in load_rows(data, convert, what="rows") for x in group]
    model, tokenizer, tmpl = open_reward_model(model_path, template)
    return score_items(model, tokenizer, tmpl, items)
