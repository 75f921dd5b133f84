"""Normalise instruction-data rows of any common format to a conversation.

A conversation is a list of `{"role": "system"|"user"|"assistant", "content": str}`: an optional
system message first, then user/assistant turns, ending with an assistant turn. Recognised rows:

- `messages`: OpenAI/HF chat format (multi-turn, optional system)
- `conversations`: ShareGPT (`from`: human/gpt/system, `value`)
- `instruction` + optional `input` + `output`/`response` (Alpaca)
- `question` + `answer`
- `prompt` + `completion` (strings or message lists)

Errors name the row's location, the field, what was expected and what was found. Text that the
tokenizer would read as one of its control tokens (`<|im_end|>`, `<end_of_turn>`, ...) is refused
when the loader is given the tokenizer's `control_strings`: a user could otherwise end a turn, or
forge one, from inside a message.

The `iter_*` loaders are generators (a million-row file is normalised while it is read); the
`load_*` ones are lists of them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from posttrain.data.readers import DataError, read_records

ROLES = ("system", "user", "assistant")
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant",
                  "assistant": "assistant", "chatgpt": "assistant", "model": "assistant"}
FORMATS = "messages | conversations (ShareGPT) | instruction+output | question+answer | prompt+completion"


def _unicode(value: str, where: str, field: str) -> str:
    """Lone surrogates (JSON "\\ud800", or bytes a reader could not decode) are valid Python text but no
    tokenizer can encode them."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            c = ord(value[e.start])
            what = f"invalid UTF-8 byte 0x{c - 0xDC00:02x}" if 0xDC80 <= c <= 0xDCFF else f"lone surrogate {value[e.start]!r}"
            raise DataError(f"{where}: field '{field}': invalid text ({what} at character {e.start})") from None
    return value


def text_field(row: dict, key: str, where: str, required: bool = True) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and value != value):  # missing or NaN (CSV/Parquet)
        if required:
            raise DataError(f"{where}: field '{key}': expected a string, found nothing")
        return ""
    if not isinstance(value, str):
        raise DataError(f"{where}: field '{key}': expected a string, found {type(value).__name__} {repr(value)[:40]}")
    if required and not value.strip():
        raise DataError(f"{where}: field '{key}': expected a non-empty string, found {value[:40]!r}")
    return _unicode(value, where, key)


def messages_field(msgs, where: str, field: str, role_key="role", content_key="content", roles=None) -> list[dict]:
    if not isinstance(msgs, list) or not msgs:
        raise DataError(f"{where}: field '{field}': expected a non-empty list of messages, found {type(msgs).__name__} {repr(msgs)[:40]}")
    out = []
    for i, m in enumerate(msgs):
        loc = f"{field}[{i}]"
        if not isinstance(m, dict):
            raise DataError(f"{where}: field '{loc}': expected an object with '{role_key}' and '{content_key}', found {type(m).__name__}")
        role = m.get(role_key)
        mapped = (roles or {r: r for r in ROLES}).get(role) if isinstance(role, str) else None
        if mapped is None:
            allowed = "/".join(roles or ROLES)
            raise DataError(f"{where}: field '{loc}.{role_key}': expected one of {allowed}, found {repr(role)[:40]}")
        content = m.get(content_key)
        if not isinstance(content, str):
            raise DataError(f"{where}: field '{loc}.{content_key}': expected a string, found {type(content).__name__}")
        out.append({"role": mapped, "content": _unicode(content, where, f"{loc}.{content_key}")})
    return out


def check_order(conv: list[dict], where: str, field: str, last: str = "assistant") -> list[dict]:
    """System first if at all, then user/assistant alternating from user, ending with a `last` turn."""
    body = conv[1:] if conv[0]["role"] == "system" else conv
    for i, m in enumerate(body):
        if m["role"] == "system":
            raise DataError(f"{where}: field '{field}': a system message may only come first (found one at turn {i})")
        expected = "user" if i % 2 == 0 else "assistant"
        if m["role"] != expected:
            raise DataError(f"{where}: field '{field}': expected user/assistant turns alternating from user, found {m['role']!r} at turn {i}")
    if not body or body[-1]["role"] != last:
        what = "an assistant turn" if last == "assistant" else f"a {last} turn"
        raise DataError(f"{where}: field '{field}': expected the conversation to end with {what}, found {body[-1]['role'] if body else 'none'!r}")
    return conv


def to_conversation(row: dict, where: str = "<row>") -> list[dict]:
    """Detect the row's format and return it as a validated conversation."""
    if "messages" in row:
        return check_order(messages_field(row["messages"], where, "messages"), where, "messages")
    if "conversations" in row:
        conv = messages_field(row["conversations"], where, "conversations", "from", "value", SHAREGPT_ROLES)
        return check_order(conv, where, "conversations")
    system = ([{"role": "system", "content": text_field(row, "system", where, required=False)}]
              if isinstance(row.get("system"), str) and row["system"] else [])
    if "instruction" in row:
        user = text_field(row, "instruction", where)
        extra = text_field(row, "input", where, required=False)
        key = "output" if "output" in row else "response"
        answer = text_field(row, key, where)
        return system + [{"role": "user", "content": f"{user}\n\n{extra}" if extra else user},
                         {"role": "assistant", "content": answer}]
    if "question" in row:
        return system + [{"role": "user", "content": text_field(row, "question", where)},
                         {"role": "assistant", "content": text_field(row, "answer", where)}]
    if "prompt" in row:
        prompt, completion = row["prompt"], row.get("completion")
        head = ([{"role": "user", "content": text_field(row, "prompt", where)}] if not isinstance(prompt, list)
                else messages_field(prompt, where, "prompt"))
        tail = ([{"role": "assistant", "content": text_field(row, "completion", where)}] if not isinstance(completion, list)
                else messages_field(completion, where, "completion"))
        return check_order(system + head + tail, where, "prompt+completion")
    raise DataError(f"{where}: unknown row format: expected fields for one of {FORMATS}, found fields {sorted(row)[:8]}")


def to_prompt_row(row: dict, where: str) -> tuple[list[dict], list[str] | None]:
    """A prompt row (`prompt` as text or messages, or `instruction`; optional `answers`) → (messages, answers)."""
    key = "prompt" if "prompt" in row else "instruction" if "instruction" in row else None
    if key is None:
        raise DataError(f"{where}: field 'prompt': expected a prompt (or instruction), found fields {sorted(row)[:8]}")
    value = row[key]
    msgs = (check_order(messages_field(value, where, key), where, key, last="user") if isinstance(value, list)
            else [{"role": "user", "content": text_field(row, key, where)}])
    answers = row.get("answers")
    if answers is not None and (not isinstance(answers, list) or not all(isinstance(a, str) for a in answers)):
        raise DataError(f"{where}: field 'answers': expected a list of strings, found {answers!r:.60}")
    return msgs, answers


# Fields whose text reaches the chat template, in every row format above and in data/preference.py.
TEXT_FIELDS = ("messages", "conversations", "system", "instruction", "input", "output", "response", "question",
               "answer", "prompt", "completion", "chosen", "rejected")


def control_strings(tokenizer) -> list[str]:
    """The texts this tokenizer turns into control tokens: its special tokens and the added tokens
    marked special (duck-typed: any object with `all_special_tokens` / `added_tokens_decoder`)."""
    out = set(getattr(tokenizer, "all_special_tokens", None) or [])
    for t in (getattr(tokenizer, "added_tokens_decoder", None) or {}).values():
        if getattr(t, "special", False):
            out.add(getattr(t, "content", str(t)))
    return sorted(t for t in out if t)


def _control_pattern(forbid) -> re.Pattern | None:
    """`forbid`: texts to refuse, or a tokenizer (its `control_strings`)."""
    if hasattr(forbid, "all_special_tokens") or hasattr(forbid, "added_tokens_decoder"):
        forbid = control_strings(forbid)
    forbid = [t for t in forbid or () if t]
    return re.compile("|".join(re.escape(t) for t in sorted(forbid, key=len, reverse=True))) if forbid else None


def _find(value, field: str, pattern: re.Pattern, depth: int = 0) -> tuple[str, str] | None:
    if isinstance(value, str):
        m = pattern.search(value)
        return (field, m.group()) if m else None
    if depth < 4:  # the formats nest three deep at most (messages[i].content)
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for k, v in items:
            hit = _find(v, f"{field}.{k}" if isinstance(value, dict) else f"{field}[{k}]", pattern, depth + 1)
            if hit:
                return hit
    return None


def check_control(row: dict, where: str, pattern: re.Pattern) -> None:
    """Refuse a row whose text holds a control token's text (e.g. `<|im_end|>` inside a user message)."""
    for key in TEXT_FIELDS:
        hit = _find(row.get(key), key, pattern) if key in row else None
        if hit:
            raise DataError(f"{where}: field '{hit[0]}': contains {hit[1]!r}, the text of a special token of this "
                            "tokenizer; it would be read as that control token, not as text")


def iter_rows(source: str, convert, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
              what: str = "rows", forbid=()) -> Iterator:
    """`convert(row, where)` each row as it is read; stop at the first bad row unless `skip_invalid`,
    which skips it and reports the count (and the first reasons) on stderr at the end."""
    pattern = _control_pattern(forbid)
    n, skipped, reasons = 0, 0, []
    for row, where in read_records(source, split, errors="yield" if skip_invalid else "raise"):
        try:
            if isinstance(row, DataError):
                raise row
            item = convert(row, where)
            if pattern is not None:
                check_control(row, where, pattern)
        except DataError as e:
            if not skip_invalid:
                raise
            skipped += 1
            if len(reasons) < 3:
                reasons.append(str(e))
            continue
        yield item
        n += 1
        if limit and n >= limit:
            break
    if skipped:
        print(f"[posttrain] skipped {skipped} invalid rows in {source}; first: " + " | ".join(reasons), file=sys.stderr)
    if not n:
        raise DataError(f"{source}: no usable {what}" + (f" ({skipped} invalid rows skipped)" if skipped else ""))


def load_rows(source: str, convert, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
              what: str = "rows", forbid=()) -> list:
    """Every row of `iter_rows` as a list."""
    return list(iter_rows(source, convert, skip_invalid, split, limit, what, forbid))


def iter_conversations(source: str, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
                       forbid=()) -> Iterator[list[dict]]:
    """Normalised conversations, one at a time as the file is read."""
    return iter_rows(source, to_conversation, skip_invalid, split, limit, "conversations", forbid)


def load_conversations(source: str, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
                       forbid=()) -> list[list[dict]]:
    """Read and normalise every row; stop at the first bad row unless `skip_invalid`."""
    return list(iter_conversations(source, skip_invalid, split, limit, forbid))
