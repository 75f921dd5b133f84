"""The fuzz tier's oracle: which records must be rejected, and what each accepted one must train on.

Written from the row formats as documented (posttrain/data/formats.py, posttrain/data/preference.py,
docs/preference.md), not from their code: `expect(group, row, controls)` is either `Reject(reason)`
or `Accept(value)`, `value` being exactly what the loader must return (a conversation, a `Pair`, an
`Unpaired`, a prompt row). The fuzz tests compare the loaders with it record by record and file by
file (`expect_file`), so a loader that accepts a record missing its answer, drops a turn, or turns a
string label into the wrong bool goes red, not only one that raises a traceback.

The rules, in one place:
- text: a string with no lone surrogate (no tokenizer can encode one) and no control-token text
  (`<|endoftext|>`, ...) anywhere in a field that reaches the template (TEXT_FIELDS, up to the depth the
  formats nest); a *required* text must also hold more than whitespace; "missing" is absent, None or NaN.
- messages: a non-empty list of objects, each with a known role and a string content (which may be
  empty); a conversation is an optional system message first, then user/assistant turns alternating
  from user, ending with an assistant turn (a prompt: with a user turn).
- `system` beside a non-message format: used when it is a non-empty string, else ignored (an optional
  field); it reaches the template, so it must be encodable.
- SFT: the first of messages / conversations (ShareGPT) / instruction(+input)+output|response /
  question+answer / prompt+completion that the row has decides its format.
- pairs: prompt+chosen+rejected (strings or message lists), or chosen/rejected as whole conversations
  sharing their first turns (the shared turns up to the last shared user turn are the prompt);
  each answer starts with an assistant turn and continues the prompt; the two answers differ.
- KTO: prompt+completion+label; label is true/false, 0/1 (not 0.0), or the text true/false/1/0 (CSV).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from posttrain.data.preference import Pair, Unpaired

ROLES = {"system": "system", "user": "user", "assistant": "assistant"}
SHAREGPT = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
            "chatgpt": "assistant", "model": "assistant"}
TEXT_FIELDS = ("messages", "conversations", "system", "instruction", "input", "output", "response", "question",
               "answer", "prompt", "completion", "chosen", "rejected")
MAX_DEPTH = 4  # messages[i].content is three deep; control text is looked for down to here


@dataclass(frozen=True)
class Reject:
    reason: str


@dataclass(frozen=True)
class Accept:
    value: Any


class _No(Exception):
    pass


def _encodable(s: str) -> bool:
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _text(row: dict, key: str, required: bool = True) -> str:
    v = row.get(key)
    if _missing(v):
        if required:
            raise _No(f"{key} missing")
        return ""
    if not isinstance(v, str):
        raise _No(f"{key} not a string")
    if required and v.strip() == "":
        raise _No(f"{key} blank")
    if not _encodable(v):
        raise _No(f"{key} has a lone surrogate")
    return v


def _messages(v, roles=ROLES, role_key="role", content_key="content") -> list[dict]:
    if not isinstance(v, list) or len(v) == 0:
        raise _No("not a non-empty list of messages")
    out = []
    for m in v:
        if not isinstance(m, dict):
            raise _No("a message is not an object")
        role = m.get(role_key)
        if not isinstance(role, str) or role not in roles:
            raise _No(f"unknown role {role!r}")
        content = m.get(content_key)
        if not isinstance(content, str) or not _encodable(content):
            raise _No("content not encodable text")
        out.append({"role": roles[role], "content": content})
    return out


def _ordered(conv: list[dict], last: str = "assistant") -> list[dict]:
    body = conv[1:] if conv and conv[0]["role"] == "system" else conv
    want = ["user" if i % 2 == 0 else "assistant" for i in range(len(body))]
    if [m["role"] for m in body] != want:
        raise _No("turns out of order")
    if not body or body[-1]["role"] != last:
        raise _No(f"does not end with {last}")
    return conv


def _system(row: dict) -> list[dict]:
    s = row.get("system")
    if isinstance(s, str) and s:
        if not _encodable(s):
            raise _No("system has a lone surrogate")
        return [{"role": "system", "content": s}]
    return []


def sft(row: dict) -> list[dict]:
    if "messages" in row:
        return _ordered(_messages(row["messages"]))
    if "conversations" in row:
        return _ordered(_messages(row["conversations"], SHAREGPT, "from", "value"))
    if "instruction" in row:
        user, extra = _text(row, "instruction"), _text(row, "input", required=False)
        answer = _text(row, "output" if "output" in row else "response")
        return _system(row) + [{"role": "user", "content": f"{user}\n\n{extra}" if extra else user},
                               {"role": "assistant", "content": answer}]
    if "question" in row:
        q, a = _text(row, "question"), _text(row, "answer")
        return _system(row) + [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    if "prompt" in row:
        p, c = row["prompt"], row.get("completion")
        head = _messages(p) if isinstance(p, list) else [{"role": "user", "content": _text(row, "prompt")}]
        tail = _messages(c) if isinstance(c, list) else [{"role": "assistant", "content": _text(row, "completion")}]
        return _ordered(_system(row) + head + tail)
    raise _No("no known format")


def _prompt(row: dict) -> list[dict]:
    p = row["prompt"]
    msgs = _messages(p) if isinstance(p, list) else [{"role": "user", "content": _text(row, "prompt")}]
    return (_system(row) if msgs[0]["role"] != "system" else []) + msgs


def _answer(row: dict, key: str) -> list[dict]:
    v = row.get(key)
    return _messages(v) if isinstance(v, list) else [{"role": "assistant", "content": _text(row, key)}]


def _continues(prompt: list[dict], answer: list[dict]) -> list[dict]:
    if not answer or answer[0]["role"] != "assistant":
        raise _No("answer does not start with an assistant turn")
    _ordered(prompt + answer)
    return answer


def pair(row: dict) -> Pair:
    if "chosen" not in row or "rejected" not in row:
        raise _No("chosen/rejected missing")
    if row.get("prompt") is not None:
        prompt, chosen, rejected = _prompt(row), _answer(row, "chosen"), _answer(row, "rejected")
    else:
        if not isinstance(row["chosen"], list) or not isinstance(row["rejected"], list):
            raise _No("no prompt and chosen/rejected are not conversations")
        c, r = _messages(row["chosen"]), _messages(row["rejected"])
        shared = 0
        for a, b in zip(c, r):
            if a != b:
                break
            shared += 1
        while shared and c[shared - 1]["role"] == "assistant":
            shared -= 1
        if shared == 0:
            raise _No("no shared prompt")
        prompt, chosen, rejected = c[:shared], c[shared:], r[shared:]
    if chosen == rejected:
        raise _No("identical answers")
    return Pair(prompt, _continues(prompt, chosen), _continues(prompt, rejected))


LABELS = {"true": True, "false": False, "1": True, "0": False}


def unpaired(row: dict) -> Unpaired:
    if not all(k in row for k in ("prompt", "completion", "label")):
        raise _No("prompt/completion/label missing")
    label = row["label"]
    if isinstance(label, str) and label.strip().lower() in LABELS:
        label = LABELS[label.strip().lower()]
    elif type(label) is int and label in (0, 1):
        label = bool(label)
    elif not isinstance(label, bool):
        raise _No("label is not true/false")
    prompt = _prompt(row)
    return Unpaired(prompt, _continues(prompt, _answer(row, "completion")), label)


def prompt_row(row: dict):
    key = "prompt" if "prompt" in row else "instruction" if "instruction" in row else None
    if key is None:
        raise _No("no prompt")
    v = row[key]
    msgs = _ordered(_messages(v), last="user") if isinstance(v, list) else [{"role": "user", "content": _text(row, key)}]
    answers = row.get("answers")
    if answers is not None and not (isinstance(answers, list) and all(isinstance(a, str) for a in answers)):
        raise _No("answers not a list of strings")
    return msgs, answers


def score(row: dict):
    return pair(row) if "chosen" in row else unpaired({**row, "label": True})


GROUPS = {"sft": sft, "pair": pair, "kto": unpaired, "prompt": prompt_row, "score": score}


def _holds_control(value, controls, depth: int = 0) -> bool:
    if isinstance(value, str):
        return any(c in value for c in controls)
    if depth >= MAX_DEPTH:
        return False
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_holds_control(v, controls, depth + 1) for v in items)


def expect(group: str, row, controls=()) -> Reject | Accept:
    """What the loader of `group` must do with one parsed row."""
    if not isinstance(row, dict):
        return Reject("not an object")
    try:
        value = GROUPS[group](row)
    except _No as e:
        return Reject(str(e))
    if controls and any(_holds_control(row[k], controls) for k in TEXT_FIELDS if k in row):
        return Reject("control-token text")
    return Accept(value)


# ----------------------------------------------------------------------------- files

BLANK = object()


def parse_line(raw: bytes, first: bool):
    """A JSONL line as the spec reads it: UTF-8 (a BOM allowed on the first line), one JSON value.
    Returns the value, BLANK for a blank line, or a Reject."""
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        return Reject("invalid UTF-8")
    if not text.strip():
        return BLANK
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return Reject("invalid JSON")


def expect_jsonl(data: bytes, group: str, controls=()) -> list[tuple[int, Reject | Accept]]:
    """(line number, verdict) for every non-blank line of a JSONL file's bytes."""
    out = []
    for n, raw in enumerate(data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"), 1):
        parsed = parse_line(raw, n == 1)
        if parsed is BLANK:
            continue
        out.append((n, parsed if isinstance(parsed, Reject) else expect(group, parsed, controls)))
    return out
