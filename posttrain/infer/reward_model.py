"""Reward models: load one, and read its scalar reward for pairs (training) or single answers (scoring).

A reward model is `AutoModelForSequenceClassification` with one label over the base LM, so a
saved folder is a plain Hugging Face folder: `from_pretrained(out)(ids).logits` gives the same
reward. The reward is read at the last token that is not padding — the rule transformers applies —
and the renderer ends every answer with its end-of-turn token, so pad == eos does not move it.

A row is never scored on a cut answer (the reward would be read mid-answer): a row longer than the
limit (by default the model's context, `max_position_embeddings`) is scored `None`, and the count is
warned about — or, with `too_long="error"`, refused.
"""

from __future__ import annotations

import warnings

import torch
from transformers import AutoModelForSequenceClassification

from posttrain.data.chat import render, resolve_template
from posttrain.data.batches import LMBatch, PairBatch
from posttrain.data.batching import collate_padded
from posttrain.data.formats import load_rows
from posttrain.data.preference import to_pair, to_unpaired
from posttrain.model.forward import hidden_states
from posttrain.nn.lora import is_adapter_folder
from posttrain.model.hf import clear_quantization, load_model, load_tokenizer
from posttrain.core.runtime import autocast, evaluating, pick_device, pick_dtype


def load_reward_model(path: str, tokenizer=None):
    """A causal LM folder (new random head) or a saved reward model, as a 1-label sequence classifier."""
    tokenizer = tokenizer or load_tokenizer(path)
    if is_adapter_folder(path):  # our merge, not transformers' adapter loading (which freezes every weight)
        lm = load_model(path)
        lm.config.num_labels = 1
        model = AutoModelForSequenceClassification.from_config(lm.config, dtype=torch.float32)
        model.base_model.load_state_dict(lm.base_model.state_dict())
    else:
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


TOO_LONG = ("skip", "error")


def context_length(model) -> int | None:
    """The longest row the model was made for (None when its config does not say)."""
    cfg = model.config
    return next((getattr(cfg, k) for k in ("max_position_embeddings", "n_positions", "max_seq_len")
                 if isinstance(getattr(cfg, k, None), int)), None)


def _render_items(tokenizer, template: str, items, max_len: int | None, too_long: str) -> list:
    """Rendered rows, None for a row longer than `max_len` (or an error naming it, with too_long=error)."""
    rendered = [render(tokenizer, prompt + answer, template, last_turn_only=True) for prompt, answer in items]
    long = [i for i, r in enumerate(rendered) if max_len is not None and len(r.ids) > max_len]
    if long:
        first = long[0]
        what = f"{len(long)} of {len(rendered)} rows"
        if too_long == "error":
            raise ValueError(f"item {first}: {len(rendered[first].ids)} tokens, longer than max_len={max_len} ({what}); "
                             f"a cut answer cannot be scored")
        warnings.warn(f"{what} (first: item {first}) are longer than the reward model's limit of {max_len} tokens: "
                      f"scored None, not on a cut answer (too_long=error refuses them)", stacklevel=3)
    skip = set(long)
    for i, r in enumerate(rendered):
        if i not in skip and 1 not in r.mask:
            raise ValueError(f"item {i}: the answer renders to no tokens")
    return [None if i in skip else r for i, r in enumerate(rendered)]


@torch.no_grad()
def score_items(model, tokenizer, template: str, items, max_len: int | None = None, batch_size: int = 16,
                dtype: str = "auto", too_long: str = "skip") -> list[float | None]:
    """Rewards of (prompt messages, answer messages) items: one row per answer, batched. A row longer
    than `max_len` (default: the model's context) is scored None (too_long=skip, warned) or refused
    (too_long=error)."""
    if too_long not in TOO_LONG:
        raise ValueError(f"too_long={too_long!r}: expected one of {'/'.join(TOO_LONG)}")
    device = next(model.parameters()).device
    rendered = _render_items(tokenizer, template, items, max_len or context_length(model), too_long)
    todo = [r for r in rendered if r is not None]
    scores = []
    with evaluating(model):
        for i in range(0, len(todo), batch_size):
            batch = collate_padded(todo[i:i + batch_size], tokenizer.pad_token_id).to(device)
            with autocast(device, pick_dtype(dtype, device)):
                scores += row_rewards(model, batch, tokenizer.pad_token_id).tolist()
    it = iter(scores)
    return [None if r is None else next(it) for r in rendered]


def open_reward_model(path: str, template: str | None = None):
    """(model on the auto device in eval mode, tokenizer, resolved template) of a saved reward model."""
    tokenizer = load_tokenizer(path)
    model = load_reward_model(path, tokenizer).to(pick_device("auto")).eval()
    return model, tokenizer, resolve_template(tokenizer, template)


def score_file(model_path: str, data: str, template: str | None = None, too_long: str = "error",
               skip_invalid: bool = False) -> list[float | None]:
    """Rewards of (prompt, completion) rows (or of prompt+chosen / prompt+rejected for pair rows, in turn).
    A row longer than the model's context is refused by default (too_long=skip: scored None)."""
    def convert(row, where):
        if "chosen" in row:
            p = to_pair(row, where)
            return [(p.prompt, p.chosen), (p.prompt, p.rejected)]
        u = to_unpaired({**row, "label": True}, where)
        return [(u.prompt, u.completion)]

    model, tokenizer, tmpl = open_reward_model(model_path, template)
    items = [x for group in load_rows(data, convert, skip_invalid, what="rows", forbid=tokenizer) for x in group]
    return score_items(model, tokenizer, tmpl, items, too_long=too_long)
