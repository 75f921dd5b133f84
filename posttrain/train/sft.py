"""SFT stage: conversations → assistant-only next-token loss (full, frozen layers, or LoRA)."""

from __future__ import annotations

import math
import sys

from posttrain.data.chat import resolve_template
from posttrain.data.batching import add_replay, collate_rows, index_rows, render_all
from posttrain.data.formats import iter_conversations
from posttrain.data.readers import read_text
from posttrain.eval.perplexity import total_nll
from posttrain.model.forward import lm_loss
from posttrain.model.hf import load_tokenizer
from posttrain.core.runtime import Runtime
from posttrain.train.configs import SFTConfig
from posttrain.train.loop import fit
from posttrain.train.method import DataMethod, RowSource
from posttrain.train.output import write_run_files
from posttrain.train.prepare import prepare_model


class SFT(DataMethod):
    """Next-token loss on the assistant tokens of rendered conversations, packed or padded."""

    def __init__(self, cfg: SFTConfig, rt: Runtime):
        self.cfg, self.rt = cfg, rt
        mc, data = cfg.model, cfg.data
        self.tokenizer = load_tokenizer(mc.path)
        self.template = resolve_template(self.tokenizer, mc.template)
        # rendered while read: the rows' dicts never all sit in memory, only the compact token store
        convs = iter_conversations(data.train, data.skip_invalid, forbid=self.tokenizer)
        examples = render_all(self.tokenizer, convs, self.template, mc.max_len, data.last_turn_only, quiet=not rt.main,
                              history=data.history_rewrite)
        if data.replay:
            n_sft = examples.n_trained
            got = add_replay(examples, self.tokenizer, read_text(data.replay), data.replay_fraction, mc.max_len)
            if rt.main:
                print(f"[posttrain] replay: {got:,} tokens of {data.replay} trained beside {n_sft:,} assistant tokens "
                      f"({100 * got / (got + n_sft):.1f}%)", file=sys.stderr)
        rows = index_rows(examples, mc.max_len, data.packing)
        if rt.main:
            print(f"[posttrain] {len(examples)} examples, {examples.n_tokens:,} tokens ({examples.n_trained:,} trained) "
                  f"in {len(rows)} rows"
                  + (f" packed into {mc.max_len} tokens" if data.packing else ""), file=sys.stderr)
        self.model = prepare_model(mc, cfg.run.seed, verbose=rt.main)
        pad = self.tokenizer.pad_token_id
        self.source = RowSource(rows, lambda items: collate_rows(examples, items, pad, data.packing), cfg.run, rt.world)
        self.eval_examples = None
        if data.eval:
            self.eval_examples = render_all(self.tokenizer, iter_conversations(data.eval, data.skip_invalid, forbid=self.tokenizer),
                                            self.template, mc.max_len, data.last_turn_only, quiet=True,
                                            history=data.history_rewrite)

    def step(self, model, batch):
        return lm_loss(model, batch), {}

    def evaluate(self, model) -> dict:
        if self.eval_examples is None:
            return {}
        nll, n = total_nll(model, self.eval_examples, self.tokenizer.pad_token_id, self.cfg.run.batch_size,
                           self.cfg.run.dtype)
        return {"eval_loss": nll / n, "eval_ppl": math.exp(nll / n)}

    def save(self, model) -> None:
        write_run_files(model, self.tokenizer, self.cfg, self.template, "sft")


def run_sft(cfg: SFTConfig, stop_after: int | None = None) -> dict:
    return fit(cfg, SFT, stop_after)
