"""Smoke questions with answer checks: a handful of prompts a person would try first, each reply
marked right or wrong by a rule written next to the question, and whether it stopped on its own.

A row is a benchmark row (`instruction`, `answers`: the reply contains one) with optional stricter
checks:
- `all_of`: a list of alternatives, each a list of words that must all appear
  (primary colours: [["red", "yellow", "blue"], ["red", "green", "blue"]]);
- `lines`: the reply has exactly this many non-empty lines (a haiku: 3);
- `topic`: the reply mentions one of these words (stems: "program" matches "programmer").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posttrain.data.chat import render_prompt
from posttrain.data.readers import DataError, read_records
from posttrain.infer.engine import generate
from posttrain.eval.benchmark import contains, normalize


@dataclass
class SmokeItem:
    instruction: str
    answers: list[str] = field(default_factory=list)
    all_of: list[list[str]] = field(default_factory=list)
    lines: int | None = None
    topic: list[str] = field(default_factory=list)


@dataclass
class SmokeResult:
    item: SmokeItem
    reply: str
    right: bool
    why: str  # what failed, "" when right
    stopped: bool  # ended on the end-of-turn token, not at the length limit


def load_smoke(path: str) -> list[SmokeItem]:
    items = []
    for row, where in read_records(path):
        try:
            items.append(SmokeItem(str(row["instruction"]), list(row.get("answers", [])),
                                   [list(x) for x in row.get("all_of", [])], row.get("lines"), list(row.get("topic", []))))
        except (KeyError, TypeError) as e:
            raise DataError(f"{where}: a smoke row needs 'instruction' and list-valued checks ({e})") from None
    return items


def _words(text: str) -> list[str]:
    return normalize(text, articles=False).split()


def check_reply(item: SmokeItem, reply: str) -> str:
    """What the reply gets wrong ("" when nothing)."""
    words = _words(reply)
    if item.answers and not contains(reply, item.answers):
        return f"no {' / '.join(item.answers)}"
    if item.all_of and not any(all(w.lower() in words for w in alt) for alt in item.all_of):
        return "needs " + " or ".join("+".join(alt) for alt in item.all_of)
    if item.lines is not None and len([x for x in reply.splitlines() if x.strip()]) != item.lines:
        return f"needs {item.lines} lines"
    if item.topic and not any(w.startswith(t.lower()) for w in words for t in item.topic):
        return f"off topic (no {'/'.join(item.topic)})"
    return ""


def run_smoke(model, tokenizer, items: list[SmokeItem], template: str | None = None,
              max_new_tokens: int = 48) -> list[SmokeResult]:
    """Greedy chat replies to the items, checked."""
    prompts = [render_prompt(tokenizer, [{"role": "user", "content": it.instruction}], template) for it in items]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    done = generate(model, prompts, max_new_tokens=max_new_tokens, tokenizer=tokenizer, pad_id=pad)
    out = []
    for it, c in zip(items, done):
        why = check_reply(it, c.text)
        out.append(SmokeResult(it, c.text.strip(), not why, why, c.finish_reason == "stop"))
    return out


def smoke_line(results: list[SmokeResult]) -> str:
    right = sum(r.right for r in results)
    stopped = sum(r.stopped for r in results)
    return f"smoke questions: {right}/{len(results)} answered right, {stopped}/{len(results)} stopped at end of turn"
