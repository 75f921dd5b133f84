"""Pretrain stage: a small base model from scratch on a text corpus, tokenizer trained here too.

The result is a plain text completer (no chat template): the starting point of the tiny demo
and of end-to-end tests. Every token after a row's first is trained.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from posttrain.chat import Rendered
from posttrain.config import PretrainConfig
from posttrain.data.batching import collate_packed
from posttrain.models import parameter_summary, tiny_model
from posttrain.tokenizer import train_tokenizer
from posttrain.train.loop import dist_env, train
from posttrain.train.output import write_run_files
from posttrain.train.steps import lm_step


def read_corpus(path: str) -> list[str]:
    """Documents of a text file (split on blank lines) or of a .jsonl file's `text` field."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{path}: corpus file not found")
    if p.suffix == ".jsonl":
        docs = []
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                row = json.loads(line)
                if not isinstance(row.get("text"), str):
                    raise ValueError(f"{path}:{n}: field 'text': expected a string, found {type(row.get('text')).__name__}")
                docs.append(row["text"])
        return docs
    return [d.strip() for d in p.read_text(encoding="utf-8").split("\n\n") if d.strip()]


def corpus_rows(tokenizer, docs: list[str], seq_len: int) -> list[list[Rendered]]:
    """Documents joined with EOS, cut into rows of seq_len tokens (one 'example' per packed row)."""
    ids = []
    for d in docs:
        ids += tokenizer(d, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return [[Rendered(ids[i:i + seq_len], [0] + [1] * (seq_len - 1))] for i in range(0, len(ids) - seq_len + 1, seq_len)]


def run_pretrain(cfg: PretrainConfig, stop_after: int | None = None) -> dict:
    rank = dist_env()[0]
    docs = read_corpus(cfg.corpus)
    tokenizer = train_tokenizer(docs, cfg.vocab_size)
    rows = corpus_rows(tokenizer, docs, cfg.seq_len)
    model = tiny_model(tokenizer, seed=cfg.seed, hidden_size=cfg.hidden_size, layers=cfg.layers, heads=cfg.heads,
                       max_positions=max(2048, cfg.seq_len))
    if rank == 0:
        print(f"[posttrain] corpus: {len(docs)} documents, {len(rows) * cfg.seq_len:,} tokens, vocab {len(tokenizer)}",
              file=sys.stderr)
        parameter_summary(model)
    return train(cfg, model, rows, lambda items: collate_packed(items, tokenizer.pad_token_id), lm_step,
                 on_save=lambda m: write_run_files(m, tokenizer, cfg, None, "pretrain"), stop_after=stop_after)
