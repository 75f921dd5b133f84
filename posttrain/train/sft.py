"""SFT stage: conversations → assistant-only next-token loss (full, frozen layers, or LoRA)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from posttrain.chat import resolve_template
from posttrain.config import SFTConfig
from posttrain.data.batching import collate, make_rows, render_all
from posttrain.data.formats import load_conversations
from posttrain.eval.perplexity import total_nll
from posttrain.models import load_tokenizer
from posttrain.train.loop import dist_env, train
from posttrain.train.output import write_run_files
from posttrain.train.prepare import prepare_model
from posttrain.train.steps import lm_step


def run_sft(cfg: SFTConfig, stop_after: int | None = None) -> dict:
    rank = dist_env()[0]
    tokenizer = load_tokenizer(cfg.model)
    template = resolve_template(tokenizer, cfg.template)
    convs = load_conversations(cfg.data, cfg.skip_invalid)
    examples = render_all(tokenizer, convs, template, cfg.max_len, cfg.last_turn_only, quiet=rank != 0)
    rows = make_rows(examples, cfg.max_len, cfg.packing)
    if rank == 0:
        n_tok = sum(len(e.ids) for e in examples)
        n_train = sum(e.n_trained for e in examples)
        print(f"[posttrain] {len(examples)} examples, {n_tok:,} tokens ({n_train:,} trained) in {len(rows)} rows"
              + (f" packed into {cfg.max_len} tokens" if cfg.packing else ""), file=sys.stderr)
    model = prepare_model(cfg, verbose=rank == 0)

    eval_fn = None
    if cfg.eval_data:
        eval_examples = render_all(tokenizer, load_conversations(cfg.eval_data, cfg.skip_invalid), template,
                                   cfg.max_len, cfg.last_turn_only, quiet=True)

        def eval_fn(m):
            nll, n = total_nll(m, eval_examples, tokenizer.pad_token_id, cfg.batch_size, cfg.dtype)
            return {"eval_loss": nll / n, "eval_ppl": math.exp(nll / n)}

    def on_save(m):
        write_run_files(m, tokenizer, cfg, template, "sft")

    return train(cfg, model, rows, lambda items: collate(items, tokenizer.pad_token_id, cfg.packing), lm_step,
                 eval_fn, on_save, stop_after)
