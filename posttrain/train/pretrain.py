"""Pretrain stage: a small base model from scratch on a text corpus, tokenizer trained here too.

The result is a plain text completer (no chat template): the starting point of the tiny demo
and of end-to-end tests. Every token after a row's first is trained.
"""

from __future__ import annotations

import sys
from pathlib import Path

from posttrain.data.chat import Rendered
from posttrain.data.batching import collate_packed
from posttrain.data.readers import DataError, read_records
from posttrain.model.forward import lm_loss
from posttrain.model.hf import parameter_summary, tiny_model
from posttrain.core.runtime import Runtime
from posttrain.core.tokenizer import train_tokenizer
from posttrain.train.configs import PretrainConfig
from posttrain.train.loop import fit
from posttrain.train.method import DataMethod, RowSource
from posttrain.train.output import write_run_files


def read_corpus(path: str) -> list[str]:
    """Documents of a text file (split on blank lines) or of a .jsonl file's `text` field."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{path}: corpus file not found")
    if p.suffix == ".jsonl":
        docs = []
        for row, where in read_records(path):
            if not isinstance(row.get("text"), str):
                raise DataError(f"{where}: field 'text': expected a string, found {type(row.get('text')).__name__}")
            docs.append(row["text"])
        return docs
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DataError(f"{path}:{line}: invalid UTF-8; save the file as UTF-8") from None
    return [d.strip() for d in text.split("\n\n") if d.strip()]


def corpus_rows(tokenizer, docs: list[str], seq_len: int) -> list[list[Rendered]]:
    """Documents joined with EOS, cut into rows of seq_len tokens (one 'example' per packed row)."""
    ids = []
    for d in docs:
        ids += tokenizer(d, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return [[Rendered(ids[i:i + seq_len], [0] + [1] * (seq_len - 1))] for i in range(0, len(ids) - seq_len + 1, seq_len)]


class Pretrain(DataMethod):
    """Next-token loss on every token of a corpus, for a model built here from a config."""

    def __init__(self, cfg: PretrainConfig, rt: Runtime):
        self.cfg, pc = cfg, cfg.pretrain
        docs = read_corpus(pc.corpus)
        self.tokenizer = train_tokenizer(docs, pc.vocab_size)
        rows = corpus_rows(self.tokenizer, docs, pc.seq_len)
        self.model = tiny_model(self.tokenizer, seed=cfg.run.seed, hidden_size=pc.hidden_size, layers=pc.layers,
                                heads=pc.heads, max_positions=max(2048, pc.seq_len))
        if rt.main:
            print(f"[posttrain] corpus: {len(docs)} documents, {len(rows) * pc.seq_len:,} tokens, vocab {len(self.tokenizer)}",
                  file=sys.stderr)
            parameter_summary(self.model)
        pad = self.tokenizer.pad_token_id
        self.source = RowSource(rows, lambda items: collate_packed(items, pad), cfg.run, rt.world)

    def step(self, model, batch):
        return lm_loss(model, batch), {}

    def evaluate(self, model) -> dict:
        return {}

    def save(self, model) -> None:
        write_run_files(model, self.tokenizer, self.cfg, None, "pretrain")


def run_pretrain(cfg: PretrainConfig, stop_after: int | None = None) -> dict:
    return fit(cfg, Pretrain, stop_after)
