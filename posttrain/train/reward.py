"""Reward-model stage: a scalar head on the last real token of each answer, Bradley–Terry on pairs.

The model is `AutoModelForSequenceClassification` with one label over the base LM (its `score`
head starts random), so the output folder is a plain Hugging Face sequence-classification folder:
`AutoModelForSequenceClassification.from_pretrained(out)(ids).logits` gives the same reward. The
reward is read at the last token that is not padding — the rule transformers applies — and the
renderer ends every answer with its end-of-turn token, so pad == eos does not move it.
Pairs go through the shared-prompt batches of the preference stages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from posttrain.attention import usable
from posttrain.chat import resolve_template
from posttrain.data.pairs import collate_pairs, make_pair_rows, render_pairs
from posttrain.data.preference import load_pairs
from posttrain.losses.reward import bradley_terry
from posttrain.lora import merge_lora
from posttrain.models import autocast, clear_quantization, lm_parts, load_tokenizer, pick_dtype
from posttrain.train.loop import dist_env, to_device, train
from posttrain.train.output import write_run_files
from posttrain.train.prepare import prepare_model
from posttrain.train.preference import pair_evaluator, sum_step
from posttrain.train.steps import hidden_states


def load_reward_model(path: str, tokenizer=None):
    """A causal LM folder (new random head) or a saved reward model, as a 1-label sequence classifier."""
    from transformers import AutoModelForSequenceClassification

    tokenizer = tokenizer or load_tokenizer(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1, dtype=torch.float32)
    clear_quantization(model)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def rewards(model, batch) -> torch.Tensor:
    """Scalar reward of every continuation in a pair batch (2k,), fp32."""
    h = hidden_states(model, batch)
    h = h.reshape(-1, h.shape[-1]).index_select(0, batch["last_index"])
    return model.score(h).squeeze(-1).float()


def rm_loss(r: torch.Tensor, margin: float):
    rc, rr = r[0::2], r[1::2]
    losses = bradley_terry(rc, rr, margin)
    d = (rc - rr).detach()
    return losses, {"accuracy": (d > 0).float().sum(), "margin": d.sum(), "reward_chosen": rc.detach().sum(),
                    "reward_rejected": rr.detach().sum()}


def run_rm(cfg, stop_after: int | None = None) -> dict:
    rank = dist_env()[0]
    quiet = rank != 0
    tokenizer = load_tokenizer(cfg.model)
    template = resolve_template(tokenizer, cfg.template)
    train_set = render_pairs(tokenizer, load_pairs(cfg.data, cfg.skip_invalid), template, cfg.max_len, quiet)
    torch.manual_seed(cfg.seed)  # the new head's random init: same seed, same run
    model = prepare_model(cfg, verbose=not quiet, model=load_reward_model(cfg.model, tokenizer), modules_to_save=["score"])
    model.score.requires_grad_(True)
    shared = cfg.prefix_sharing and usable(lm_parts(model)[0].config, cfg.max_len)
    rows = make_pair_rows(train_set, 2 * cfg.max_len, shared, cfg.packing)
    if not quiet:
        print(f"[posttrain] {len(train_set)} pairs in {len(rows)} rows; prefix sharing {'on' if shared else 'off'}",
              file=sys.stderr)

    def batch_loss(m, batch):
        return rm_loss(rewards(m, batch), cfg.margin)

    eval_fn = None
    if cfg.eval_data:
        eval_set = render_pairs(tokenizer, load_pairs(cfg.eval_data, cfg.skip_invalid), template, cfg.max_len, True)
        eval_fn = pair_evaluator(make_pair_rows(eval_set, 2 * cfg.max_len, shared, cfg.packing), tokenizer.pad_token_id,
                                 shared, cfg.batch_size, cfg.dtype, batch_loss)

    def on_save(m):
        if hasattr(m, "posttrain_lora"):  # a reward model ships whole: the adapter merged, the head as trained
            merge_lora(m)
        write_run_files(m, tokenizer, cfg, template, "rm")

    return train(cfg, model, rows, lambda items: collate_pairs(items, tokenizer.pad_token_id, shared),
                 sum_step(batch_loss), eval_fn, on_save, stop_after)


@torch.no_grad()
def score_items(model, tokenizer, template: str, items, max_len: int = 1024, batch_size: int = 16,
                dtype: str = "auto") -> list[float]:
    """Rewards of (prompt messages, answer messages) items, batched, one answer per row."""
    from posttrain.chat import render
    from posttrain.data.pairs import Triple

    device = next(model.parameters()).device
    triples = []
    for i, (prompt, answer) in enumerate(items):
        r = render(tokenizer, prompt + answer, template, max_len, last_turn_only=True)
        if 1 not in r.mask:
            raise ValueError(f"item {i}: the prompt leaves no room for its answer within max_len={max_len}")
        p = r.mask.index(1)
        triples.append(Triple(r.ids[:p], r.ids[p:], r.mask[p:], r.ids[p:], r.mask[p:]))
    out = []
    for i in range(0, len(triples), batch_size):
        batch = collate_pairs([[t] for t in triples[i:i + batch_size]], tokenizer.pad_token_id, False)
        batch = to_device(batch, device)
        with autocast(device, pick_dtype(dtype, device)):
            out += rewards(model, batch)[0::2].tolist()
    return out


def open_reward_model(path: str, template: str | None = None):
    """(model on the auto device in eval mode, tokenizer, resolved template) of a saved reward model."""
    from posttrain.models import pick_device

    tokenizer = load_tokenizer(path)
    model = load_reward_model(path, tokenizer).to(pick_device("auto")).eval()
    return model, tokenizer, resolve_template(tokenizer, template)


def score_file(model_path: str, data: str, template: str | None = None) -> list[float]:
    """Rewards of (prompt, completion) rows (or of prompt+chosen / prompt+rejected for pair rows, in turn)."""
    from posttrain.data.formats import load_rows
    from posttrain.data.preference import to_pair, to_unpaired

    def convert(row, where):
        if "chosen" in row:
            p = to_pair(row, where)
            return [(p.prompt, p.chosen), (p.prompt, p.rejected)]
        u = to_unpaired({**row, "label": True}, where)
        return [(u.prompt, u.completion)]

    items = [x for group in load_rows(data, convert, what="rows") for x in group]
    model, tokenizer, tmpl = open_reward_model(model_path, template)
    return score_items(model, tokenizer, tmpl, items)


def main_score(model: str, data: str, out: str | None = None, template: str | None = None) -> list[float]:
    import json

    scores = score_file(model, data, template)
    lines = [json.dumps({"row": i, "reward": round(s, 6)}) for i, s in enumerate(scores)]
    if out:
        Path(out).write_text("\n".join(lines) + "\n")
        print(f"{len(scores)} rewards written to {out}")
    else:
        print("\n".join(lines))
    return scores
