"""Shared fixtures: a tokenizer trained here, a tiny Llama (2 layers, hidden 64) saved as a HF folder,
and small instruction files. Nothing is downloaded."""

from __future__ import annotations

import json
import os
import random

import pytest
import torch
from serve_helpers import start

from posttrain.serve.run import load_served

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
torch.set_num_threads(1)  # tiny models: one thread each, and `make test` runs two workers (-n 2)

FACTS = [("France", "Paris"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Japan", "Tokyo"), ("Egypt", "Cairo"),
         ("Peru", "Lima"), ("Kenya", "Nairobi"), ("Chile", "Santiago"), ("Cuba", "Havana"), ("Iran", "Tehran")]


def make_conversations(n: int = 64, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        if i % 2:
            c, cap = FACTS[i % len(FACTS)]
            q, a = f"What is the capital of {c}?", f"The capital of {c} is {cap}."
        else:
            x, y = rng.randint(1, 9), rng.randint(1, 9)
            q, a = f"What is {x} plus {y}?", f"{x} plus {y} is {x + y}."
        rows.append({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
    return rows


def corpus_text() -> str:
    rows = make_conversations(200)
    words = " ".join(m["content"] for r in rows for m in r["messages"])
    return words + " system user assistant Be brief. Answer the question. hello world the a of is"


@pytest.fixture(scope="session")
def tokenizer():
    from posttrain.core.tokenizer import train_tokenizer

    return train_tokenizer([corpus_text()] * 4, vocab_size=400)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory, tokenizer):
    """A saved tiny base model folder (random weights, plain text completer)."""
    from posttrain.model.hf import save_model, tiny_model

    path = tmp_path_factory.mktemp("tiny") / "base"
    save_model(tiny_model(tokenizer, hidden_size=64, layers=2, heads=4), tokenizer, path)
    return path


@pytest.fixture()
def sft_file(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in make_conversations(64)))
    return path


def make_pairs(n: int = 64, seed: int = 0) -> list[dict]:
    """Questions with a right answer (chosen) and a wrong one (rejected)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        if i % 2:
            c, cap = FACTS[i % len(FACTS)]
            wrong = FACTS[(i + 3) % len(FACTS)][1]
            q, a, b = f"What is the capital of {c}?", f"The capital of {c} is {cap}.", f"The capital of {c} is {wrong}."
        else:
            x, y = rng.randint(1, 9), rng.randint(1, 9)
            q, a, b = f"What is {x} plus {y}?", f"{x} plus {y} is {x + y}.", f"{x} plus {y} is {x + y + 1}."
        rows.append({"prompt": q, "chosen": a, "rejected": b})
    return rows


@pytest.fixture()
def pref_file(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in make_pairs(64)))
    return path


@pytest.fixture(scope="module")
def served(tiny_dir):
    """The tiny model served twice, as "tiny" and "tiny-b" (two continuous batchers)."""
    models = load_served({"tiny": str(tiny_dir), "tiny-b": str(tiny_dir)}, dtype="fp32", max_rows=64)
    yield models
    for s in models.values():
        s.batcher.close()


@pytest.fixture()
def live(served, tmp_path):
    """A live server on loopback with a label folder (`live.labels`)."""
    server, labels = start(served, tmp_path)
    server.labels = labels
    yield server
    server.stop()
