"""The probability shift: a base model's next-token distribution after a question, against a tuned model's.

A text completer given "What is the capital of France?" puts its mass on carrying on the text (a new
line, another question, "?"); a chat model, asked through its template, on starting the answer
("Paris", "The"). For each prompt and model the top tokens are kept with their probabilities, and
the mass is split into answer-style tokens — the start of an accepted answer, or a word an answer
opens with — and continuation-style tokens (everything else among the top tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from posttrain.data.chat import render_prompt

# words an answer commonly opens with, whatever the question
OPENERS = {"the", "it", "yes", "no", "sure", "a", "an", "its", "it's", "there", "answer", "here", "of"}


@dataclass
class NextTokens:
    prompt: str
    tokens: list[str]  # the top tokens, most likely first (as text, whitespace shown)
    probs: list[float]
    answer_style: list[bool]
    answer_mass: float  # over the top tokens
    continuation_mass: float


def is_answer_start(token: str, answers: list[str]) -> bool:
    t = token.strip().lower()
    if not t or not any(ch.isalnum() for ch in t):
        return False
    starts = [a.strip().lower() for a in answers if a.strip()]
    return t in OPENERS or any(a.startswith(t) or t.startswith(a) for a in starts)


@torch.inference_mode()
def next_tokens(model, tokenizer, prompt: str, answers: list[str], chat: bool, template: str | None = None,
                top: int = 10) -> NextTokens:
    """`chat`: the prompt as a user turn through the chat template; else the plain text (a text completer)."""
    if chat:
        ids = render_prompt(tokenizer, [{"role": "user", "content": prompt}], template)
    else:
        ids = tokenizer(prompt, add_special_tokens=True).input_ids
    logits = model(torch.tensor([ids], device=model.device), logits_to_keep=1).logits[0, -1].float()
    probs = torch.softmax(logits, dim=-1)
    p, i = probs.topk(top)
    tokens = [tokenizer.decode([t]) for t in i.tolist()]
    style = [is_answer_start(t, answers) for t in tokens]
    mass = p.tolist()
    answer = sum(m for m, s in zip(mass, style) if s)
    return NextTokens(prompt, [t.replace("\n", "⏎") for t in tokens], mass, style, answer, sum(mass) - answer)
