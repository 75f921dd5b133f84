"""The OpenAI chat-completions and completions protocol: request checks and response bodies.

Requests are checked here by hand rather than by pydantic models so that every failure is a 4xx
with OpenAI's error body (`{"error": {"message", "type", "param", "code"}}`), which the `openai`
client turns into its own exceptions, and names the parameter at fault.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from posttrain.infer.batcher import Sampling


class APIError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}


@dataclass
class Limits:
    max_body_bytes: int = 1_000_000
    max_tokens: int = 1024       # the most tokens one choice may ask for
    max_n: int = 16
    default_max_tokens: int = 256


def parse_json(body: bytes, limits: Limits) -> dict:
    if len(body) > limits.max_body_bytes:
        raise APIError(413, f"request body is {len(body)} bytes; the limit is {limits.max_body_bytes}")
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise APIError(400, f"malformed JSON in the request body: {exc}") from None
    if not isinstance(data, dict):
        raise APIError(400, "the request body must be a JSON object")
    return data


def _number(data: dict, key: str, default: float, lo: float, hi: float) -> float:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise APIError(400, f"'{key}' must be a number in [{lo}, {hi}], got {value!r}", key)
    return float(value)


def _integer(data: dict, key: str, default: int | None, lo: int, hi: int) -> int | None:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise APIError(400, f"'{key}' must be an integer in [{lo}, {hi}], got {value!r}", key)
    return value


def sampling_from(data: dict, limits: Limits) -> Sampling:
    """Sampling settings of a chat or completions request (OpenAI defaults: temperature 1, top_p 1)."""
    stop = data.get("stop")
    if stop is None:
        stops = []
    elif isinstance(stop, str):
        stops = [stop]
    elif isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
        stops = list(stop)
    else:
        raise APIError(400, "'stop' must be a string or a list of at most 4 strings", "stop")
    key = "max_completion_tokens" if data.get("max_completion_tokens") is not None else "max_tokens"
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise APIError(400, f"'seed' must be an integer, got {seed!r}", "seed")
    return Sampling(max_new_tokens=_integer(data, key, limits.default_max_tokens, 1, limits.max_tokens),
                    temperature=_number(data, "temperature", 1.0, 0.0, 2.0),
                    top_p=_number(data, "top_p", 1.0, 0.0, 1.0) or 1e-9,
                    top_k=_integer(data, "top_k", 0, 0, 1_000_000),
                    stop_strings=[s for s in stops if s], seed=seed,
                    n=_integer(data, "n", 1, 1, limits.max_n))


def _text(content, where: str) -> str:
    """A message's content: a string, or a list of text parts (images are not supported)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text"
                                         and isinstance(p.get("text"), str) for p in content):
        return "".join(p["text"] for p in content)
    raise APIError(400, f"'{where}.content' must be a string or a list of text parts", where)


def messages_from(data: dict) -> list[dict]:
    msgs = data.get("messages")
    if not isinstance(msgs, list) or not msgs:
        raise APIError(400, "'messages' must be a non-empty list of {role, content} objects", "messages")
    out = []
    for i, m in enumerate(msgs):
        where = f"messages[{i}]"
        if not isinstance(m, dict) or m.get("role") not in ("system", "developer", "user", "assistant"):
            raise APIError(400, f"'{where}.role' must be one of system, developer, user, assistant", where)
        role = "system" if m["role"] == "developer" else m["role"]
        out.append({"role": role, "content": _text(m.get("content"), where)})
    return out


def prompts_from(data: dict) -> list:
    """A completions request's prompts: a string, a list of strings, or token ids."""
    p = data.get("prompt")
    if isinstance(p, str):
        return [p]
    if isinstance(p, list) and p and all(isinstance(x, str) for x in p):
        return p
    if isinstance(p, list) and p and all(isinstance(x, int) and not isinstance(x, bool) for x in p):
        return [p]
    raise APIError(400, "'prompt' must be a string, a list of strings or a list of token ids", "prompt")


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


def usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def chat_body(rid: str, model: str, completions, prompt_tokens: int) -> dict:
    choices = [{"index": i, "message": {"role": "assistant", "content": c.text}, "finish_reason": c.finish_reason,
                "logprobs": None} for i, c in enumerate(completions)]
    return {"id": rid, "object": "chat.completion", "created": now(), "model": model, "choices": choices,
            "usage": usage(prompt_tokens, sum(len(c.ids) for c in completions))}


def chat_chunk(rid: str, model: str, index: int, delta: dict, finish_reason: str | None = None) -> dict:
    return {"id": rid, "object": "chat.completion.chunk", "created": now(), "model": model,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]}


def completion_body(rid: str, model: str, completions, prompt_tokens: int) -> dict:
    choices = [{"index": i, "text": c.text, "finish_reason": c.finish_reason, "logprobs": None}
               for i, c in enumerate(completions)]
    return {"id": rid, "object": "text_completion", "created": now(), "model": model, "choices": choices,
            "usage": usage(prompt_tokens, sum(len(c.ids) for c in completions))}


def completion_chunk(rid: str, model: str, index: int, text: str, finish_reason: str | None = None) -> dict:
    return {"id": rid, "object": "text_completion", "created": now(), "model": model,
            "choices": [{"index": index, "text": text, "finish_reason": finish_reason, "logprobs": None}]}


def sse(obj) -> str:
    return f"data: {obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)}\n\n"
