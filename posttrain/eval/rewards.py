"""Rewards: plain callables `reward(prompts, completions, **kw) -> list[float]`.

`load_reward(spec)` turns a command-line value into one:
- `module:function` — any importable callable with that signature (`kw` carries per-row data
  such as `answers`);
- a built-in name: `contains` / `exact` (1.0 when the completion contains / is one of the row's
  `answers`, scored by `posttrain.eval.benchmark` — the same check the benchmark reports, so an
  RL or best-of-n reward and the evaluation cannot drift apart), `brevity` (−words / 100, −1 for an
  empty reply), or a sum such as `contains+brevity`;
- copies of the prompt in a reply are ignored (`unechoed`), so restating the question earns nothing.
- a reward-model folder written by `posttrain rm` (scored with the chat template it was trained with).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Callable

from posttrain.eval.benchmark import contains as _contains
from posttrain.eval.benchmark import exact as _exact
from posttrain.infer.reward_model import open_reward_model, score_items

Reward = Callable[..., list[float]]


def prompt_text(prompt) -> str:
    """A prompt (text, or a list of chat messages) as plain text."""
    return prompt if isinstance(prompt, str) else "\n".join(m["content"] for m in prompt)


def unechoed(prompt, completion: str) -> str:
    """The completion with every copy of a prompt message removed (case and spacing aside): a reply
    earns nothing for restating the question, e.g. "What is 10 minus 5?" for the answer 5."""
    messages = [prompt] if isinstance(prompt, str) else [m["content"] for m in prompt]
    for text in messages:
        words = text.strip().rstrip("?.!").split()
        if words:
            completion = re.sub(r"\s+".join(map(re.escape, words)) + r"[?.!]*", " ", completion, flags=re.IGNORECASE)
    return completion.strip()


def contains_answer(prompts, completions, answers=None, **_):
    if answers is None:
        raise ValueError("the 'contains' reward needs rows with an 'answers' list")
    return [float(_contains(unechoed(p, c), a)) for p, c, a in zip(prompts, completions, answers)]


def exact_answer(prompts, completions, answers=None, **_):
    if answers is None:
        raise ValueError("the 'exact' reward needs rows with an 'answers' list")
    return [float(_exact(unechoed(p, c), a)) for p, c, a in zip(prompts, completions, answers)]


def brevity(prompts, completions, **_):
    """−words / 100, floored at −1; an empty reply or a copy of the prompt gets the floor (else saying
    nothing would be the best reply). Content-blind: add it to a correctness reward (contains+brevity)."""
    return [-min(len(c.split()), 100) / 100 if unechoed(p, c) else -1.0 for p, c in zip(prompts, completions)]


BUILTIN: dict[str, Reward] = {"contains": contains_answer, "exact": exact_answer, "brevity": brevity}
BOUNDS: dict[str, tuple[float, float]] = {"contains": (0.0, 1.0), "exact": (0.0, 1.0), "brevity": (-1.0, 0.0)}
CONTENT_BLIND = {"brevity"}  # judges the form only: it cannot tell a wrong answer from a right one


def _sum(parts: list[Reward]) -> Reward:
    def total(prompts, completions, **kw):
        scores = [p(prompts, completions, **kw) for p in parts]
        return [sum(s) for s in zip(*scores)]
    return total


def reward_model_scorer(path: str, template: str | None = None) -> Reward:
    """A reward model folder as a reward function over (prompt, completion text). A row longer than the
    reward model's context is an error, not a reward read from a cut answer (or a None in a sum)."""
    model, tok, tmpl = open_reward_model(path, template)

    def score(prompts, completions, **_):
        items = [(p if isinstance(p, list) else [{"role": "user", "content": p}], [{"role": "assistant", "content": c}])
                 for p, c in zip(prompts, completions)]
        return score_items(model, tok, tmpl, items, too_long="error")
    return score


def load_reward(spec: str, template: str | None = None) -> Reward:
    if "+" in spec:
        return _sum([load_reward(s, template) for s in spec.split("+")])
    if spec in BUILTIN:
        return BUILTIN[spec]
    if Path(spec).is_dir():
        return reward_model_scorer(spec, template)
    if ":" in spec:
        module, _, name = spec.partition(":")
        fn = getattr(importlib.import_module(module), name, None)
        if not callable(fn):
            raise ValueError(f"reward {spec!r}: {module} has no callable {name!r}")
        return fn
    raise ValueError(f"reward {spec!r}: expected a built-in ({', '.join(BUILTIN)}), a sum like contains+brevity, "
                     "module:function, or a reward-model folder")
