"""Conversations in, answers out: the chat wrapper over the token-level engine (posttrain.infer.engine).

Prompts are rendered by `chat.render_prompt`, the same code path training uses, so a model is asked
exactly the way it was trained. `generate_batched` is the one batch-by-length loop (the few-shot
prompting of `fewshot` uses it too); `LocalChat` is a loaded model as a `ChatBackend`.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

from posttrain.data.chat import render_prompt
from posttrain.infer.backend import Reply, Sampling, repeat_each
from posttrain.infer.engine import Completion, generate
from posttrain.infer.load import load_for_inference


def generate_batched(model, tokenizer, prompts: list[list[int]], batch_size: int = 32, progress: str | None = None,
                     longest_first: bool = True, **kw) -> list[Completion]:
    """`engine.generate` over prompts (token ids) in batches of similar length, so rows of a batch need
    little padding; completions come back in the input order. Batches run longest first (or shortest
    first); a sampled answer depends on its batch, so the order is part of what a seed reproduces.
    `progress` labels a bar over batches; `kw` goes to `generate` (max_new_tokens, temperature, ...)."""
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]), reverse=longest_first)
    kw.setdefault("pad_id", tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
    out: list[Completion | None] = [None] * len(prompts)
    starts = range(0, len(order), batch_size)
    if progress:
        starts = tqdm(starts, desc=progress, unit="batch", file=sys.stderr, leave=False)
    for start in starts:
        chunk = order[start: start + batch_size]
        for i, c in zip(chunk, generate(model, [prompts[i] for i in chunk], tokenizer=tokenizer, **kw)):
            out[i] = c
    return out


def chat_complete(model, tokenizer, conversations: list[list[dict]], template: str | None = None,
                  batch_size: int = 32, progress: str | None = None, **kw) -> list[Completion]:
    """The engine's completion of each conversation (rendered by `chat.render_prompt`), in input order."""
    prompts = [render_prompt(tokenizer, conv, template) for conv in conversations]
    return generate_batched(model, tokenizer, prompts, batch_size, progress, **kw)


def chat_generate(model, tokenizer, conversations: list[list[dict]], template: str | None = None,
                  batch_size: int = 32, progress: str | None = None, **kw) -> list[str]:
    """The answer to each conversation, in input order. `kw` goes to `engine.generate`."""
    return [c.text for c in chat_complete(model, tokenizer, conversations, template, batch_size, progress, **kw)]


def engine_options(sampling: Sampling) -> dict:
    """`engine.generate` keywords of one set of sampling options (`n` is answered by repeating prompts)."""
    return dict(max_new_tokens=sampling.max_new_tokens, temperature=sampling.temperature, top_k=sampling.top_k,
                top_p=sampling.top_p, stop_strings=tuple(sampling.stop_strings), seed=sampling.seed)


class LocalChat:
    """A loaded model answering conversations through the engine (a `ChatBackend`). A seeded sampling
    seeds every batch alike; an unseeded one draws from torch's global generator."""

    def __init__(self, model, tokenizer, template: str | None = None, batch_size: int = 32, name: str = "local"):
        self.model, self.tokenizer, self.template, self.batch_size = model, tokenizer, template, batch_size
        self.name, self.errors = name, []

    @classmethod
    def load(cls, path: str, template: str | None = None, batch_size: int = 32, dtype: str = "auto") -> LocalChat:
        """A model folder (or adapter folder, or hub id) through the one inference loader."""
        model, tokenizer = load_for_inference(path, dtype)
        return cls(model, tokenizer, template, batch_size, name=path)

    def chat(self, conversations: list[list[dict]], sampling: Sampling, progress: str | None = None) -> list[Reply]:
        done = chat_complete(self.model, self.tokenizer, repeat_each(conversations, sampling.n), self.template,
                             self.batch_size, progress, **engine_options(sampling))
        return [Reply(c.text, c.finish_reason, len(c.ids)) for c in done]
