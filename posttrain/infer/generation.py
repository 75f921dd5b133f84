"""Conversations in, answers out: the chat wrapper over the token-level engine (posttrain.infer.engine).

Prompts are rendered by `chat.render_prompt`, the same code path training uses, so a model is asked
exactly the way it was trained.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

from posttrain.data.chat import render_prompt
from posttrain.infer.engine import generate


def chat_generate(model, tokenizer, conversations: list[list[dict]], template: str | None = None,
                  batch_size: int = 32, progress: str | None = None, **kw) -> list[str]:
    """Answer each conversation (rendered by `chat.render_prompt`, the training code path).

    Prompts are sorted by length and batched so that rows of a batch need little padding; answers
    come back in the input order. `kw` goes to `generate` (max_new_tokens, temperature, ...).
    """
    prompts = [render_prompt(tokenizer, conv, template) for conv in conversations]
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]), reverse=True)
    kw.setdefault("pad_id", tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
    answers: list[str] = [""] * len(prompts)
    starts = range(0, len(order), batch_size)
    if progress:  # a label turns on a progress bar over batches
        starts = tqdm(starts, desc=progress, unit="batch", file=sys.stderr, leave=False)
    for start in starts:
        chunk = order[start: start + batch_size]
        done = generate(model, [prompts[i] for i in chunk], tokenizer=tokenizer, **kw)
        for i, c in zip(chunk, done):
            answers[i] = c.text
    return answers
