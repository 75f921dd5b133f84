"""Normalise instruction-data rows of any common format to a conversation.

A conversation is a list of `{"role": "system"|"user"|"assistant", "content": str}`: an optional
system message first, then user/assistant turns, ending with an assistant turn. Recognised rows:

- `messages`: OpenAI/HF chat format (multi-turn, optional system)
- `conversations`: ShareGPT (`from`: human/gpt/system, `value`)
- `instruction` + optional `input` + `output`/`response` (Alpaca)
- `question` + `answer`
- `prompt` + `completion` (strings or message lists)

Errors name the row's location, the field, what was expected and what was found.
"""

from __future__ import annotations

import sys

from posttrain.data.readers import DataError, read_records

ROLES = ("system", "user", "assistant")
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant",
                  "assistant": "assistant", "chatgpt": "assistant", "model": "assistant"}
FORMATS = "messages | conversations (ShareGPT) | instruction+output | question+answer | prompt+completion"


def text_field(row: dict, key: str, where: str, required: bool = True) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and value != value):  # missing or NaN (CSV/Parquet)
        if required:
            raise DataError(f"{where}: field '{key}': expected a string, found nothing")
        return ""
    if not isinstance(value, str):
        raise DataError(f"{where}: field '{key}': expected a string, found {type(value).__name__} {str(value)[:40]!r}")
    if required and not value.strip():
        raise DataError(f"{where}: field '{key}': expected a non-empty string, found {value!r}")
    return value


def messages_field(msgs, where: str, field: str, role_key="role", content_key="content", roles=None) -> list[dict]:
    if not isinstance(msgs, list) or not msgs:
        raise DataError(f"{where}: field '{field}': expected a non-empty list of messages, found {type(msgs).__name__} {str(msgs)[:40]!r}")
    out = []
    for i, m in enumerate(msgs):
        loc = f"{field}[{i}]"
        if not isinstance(m, dict):
            raise DataError(f"{where}: field '{loc}': expected an object with '{role_key}' and '{content_key}', found {type(m).__name__}")
        role = m.get(role_key)
        mapped = (roles or {r: r for r in ROLES}).get(role) if isinstance(role, str) else None
        if mapped is None:
            allowed = "/".join(roles or ROLES)
            raise DataError(f"{where}: field '{loc}.{role_key}': expected one of {allowed}, found {role!r}")
        content = m.get(content_key)
        if not isinstance(content, str):
            raise DataError(f"{where}: field '{loc}.{content_key}': expected a string, found {type(content).__name__}")
        out.append({"role": mapped, "content": content})
    return out


def check_order(conv: list[dict], where: str, field: str) -> list[dict]:
    body = conv[1:] if conv[0]["role"] == "system" else conv
    for i, m in enumerate(body):
        if m["role"] == "system":
            raise DataError(f"{where}: field '{field}': a system message may only come first (found one at turn {i})")
        expected = "user" if i % 2 == 0 else "assistant"
        if m["role"] != expected:
            raise DataError(f"{where}: field '{field}': expected user/assistant turns alternating from user, found {m['role']!r} at turn {i}")
    if not body or body[-1]["role"] != "assistant":
        raise DataError(f"{where}: field '{field}': expected the conversation to end with an assistant turn, found {body[-1]['role'] if body else 'none'!r}")
    return conv


def to_conversation(row: dict, where: str = "<row>") -> list[dict]:
    """Detect the row's format and return it as a validated conversation."""
    if "messages" in row:
        return check_order(messages_field(row["messages"], where, "messages"), where, "messages")
    if "conversations" in row:
        conv = messages_field(row["conversations"], where, "conversations", "from", "value", SHAREGPT_ROLES)
        return check_order(conv, where, "conversations")
    system = [{"role": "system", "content": row["system"]}] if isinstance(row.get("system"), str) and row["system"] else []
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
    msgs = messages_field(value, where, key) if isinstance(value, list) else [{"role": "user", "content": text_field(row, key, where)}]
    answers = row.get("answers")
    if answers is not None and (not isinstance(answers, list) or not all(isinstance(a, str) for a in answers)):
        raise DataError(f"{where}: field 'answers': expected a list of strings, found {answers!r:.60}")
    return msgs, answers


def load_rows(source: str, convert, skip_invalid: bool = False, split: str = "train", limit: int | None = None,
              what: str = "rows") -> list:
    """Read every row and `convert(row, where)` it; stop at the first bad row unless `skip_invalid`."""
    out, skipped, first_error = [], 0, None
    for row, where in read_records(source, split, errors="yield" if skip_invalid else "raise"):
        try:
            if isinstance(row, DataError):
                raise row
            out.append(convert(row, where))
        except DataError as e:
            if not skip_invalid:
                raise
            skipped += 1
            first_error = first_error or str(e)
        if limit and len(out) >= limit:
            break
    if skipped:
        print(f"[posttrain] skipped {skipped} invalid rows in {source} (first: {first_error})", file=sys.stderr)
    if not out:
        raise DataError(f"{source}: no usable {what}" + (f" ({skipped} invalid rows skipped)" if skipped else ""))
    return out


def load_conversations(source: str, skip_invalid: bool = False, split: str = "train", limit: int | None = None) -> list[list[dict]]:
    """Read and normalise every row; stop at the first bad row unless `skip_invalid`."""
    return load_rows(source, to_conversation, skip_invalid, split, limit, "conversations")
