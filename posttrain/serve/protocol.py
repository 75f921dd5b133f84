"""The OpenAI chat-completions and completions protocol: request and response models, error bodies.

Requests are pydantic models, so FastAPI validates them and `/openapi.json` describes them; a failed
check is still a 4xx with OpenAI's error body (`{"error": {"message", "type", "param", "code"}}`),
which the `openai` client turns into its own exceptions: `errors.py` words each pydantic error with
the message of the parameter at fault (`number_message`, `integer_message`, ... below). Limits that
the server is started with (`max_tokens`, `n`) are checked when the sampling settings are made.
Streamed chunks stay plain dicts (one per token per choice: the hot path).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from posttrain.infer.batcher import Sampling

TEMPERATURE, TOP_P, TOP_K = (0.0, 2.0), (0.0, 1.0), (0, 1_000_000)
Role = Literal["system", "developer", "user", "assistant"]
ROLES = get_args(Role)


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


# ----------------------------------------------------------------------------- what a bad parameter is told

def number_message(key: str, value, bounds: tuple[float, float]) -> str:
    return f"'{key}' must be a number in [{bounds[0]}, {bounds[1]}], got {value!r}"


def integer_message(key: str, value, lo: int, hi: int) -> str:
    return f"'{key}' must be an integer in [{lo}, {hi}], got {value!r}"


def model_message(models) -> str:
    return f"'model' must be one of {sorted(models)}"


MESSAGES = "'messages' must be a non-empty list of {role, content} objects"
STOP = "'stop' must be a string or a list of at most 4 strings"
PROMPT = "'prompt' must be a string, a list of strings or a list of token ids"
STREAM_OPTIONS = "'stream_options' must be an object {include_usage: bool}"


def refuse(message: str) -> PydanticCustomError:
    """A check inside a model that words its own message (`errors.refusal` passes it on as is)."""
    return PydanticCustomError("refused", message)


def role_message(where: str) -> str:
    return f"'{where}.role' must be one of {', '.join(ROLES)}"


def content_message(where: str) -> str:
    return f"'{where}.content' must be a string or a list of text parts"


# ----------------------------------------------------------------------------- requests

Truthy = Annotated[bool, BeforeValidator(bool)]  # any JSON value, read as its truth (as `if data.get(...)` did)
Number = Annotated[float | None, Field(strict=True, allow_inf_nan=False)]
Count = Annotated[int | None, Field(strict=True, ge=1)]


class Schema(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)


class TextPart(Schema):
    type: Literal["text"]
    text: StrictStr


class Message(Schema):
    role: Role
    """'developer' is read as 'system'."""
    content: StrictStr | list[TextPart]
    """A string, or a list of text parts (images are not supported)."""


class Addressed(Schema):
    model: StrictStr
    """One of the served models (`GET /v1/models`)."""


class Sampled(Schema):
    """Sampling settings (OpenAI defaults: temperature 1, top_p 1)."""
    stop: StrictStr | Annotated[list[StrictStr], Field(max_length=4)] | None = None
    """Where to stop: a string or up to 4 (the stop text is not returned)."""
    seed: StrictInt | None = None
    """The same seed and settings give the same answer."""
    max_completion_tokens: Count = None
    """The most tokens one choice may have (wins over `max_tokens`; at most the server's limit)."""
    max_tokens: Count = None
    """The most tokens one choice may have (at most the server's limit)."""
    temperature: Annotated[Number, Field(ge=TEMPERATURE[0], le=TEMPERATURE[1])] = None
    top_p: Annotated[Number, Field(ge=TOP_P[0], le=TOP_P[1])] = None
    top_k: Annotated[int | None, Field(strict=True, ge=TOP_K[0], le=TOP_K[1])] = None
    """0: no top-k cut."""

    @model_validator(mode="before")
    @classmethod
    def _prefer_max_completion_tokens(cls, data):
        if isinstance(data, dict) and data.get("max_completion_tokens") is not None:
            return {k: v for k, v in data.items() if k != "max_tokens"}  # `max_tokens` is then ignored
        return data


# OpenAI parameters this server does not implement: set to anything but their no-op value, a 400 names them
UNSUPPORTED = ("logprobs", "top_logprobs", "echo", "suffix", "best_of", "logit_bias", "presence_penalty",
               "frequency_penalty", "tools", "tool_choice", "functions", "function_call", "parallel_tool_calls",
               "response_format")


def is_no_op(name: str, value) -> bool:
    """The value that asks for nothing the server does not do (an empty tool list, a text format, penalty 0)."""
    if name == "logprobs":  # completions' `logprobs: 0` still asks for the chosen tokens' log-probs
        return value is None or value is False
    if name == "best_of":
        return value is None or (type(value) is int and value == 1)
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value == 0
    return value in (None, "", [], {}, "none", "auto", {"type": "text"})


class Unsupported(Schema):
    """Declared so that a request using one is refused, not silently answered as if it were honoured."""
    logprobs: object = None
    top_logprobs: object = None
    echo: object = None
    suffix: object = None
    best_of: object = None
    logit_bias: object = None
    presence_penalty: object = None
    frequency_penalty: object = None
    tools: object = None
    tool_choice: object = None
    functions: object = None
    function_call: object = None
    parallel_tool_calls: object = None
    response_format: object = None

    @field_validator(*UNSUPPORTED, mode="before")
    @classmethod
    def _not_supported(cls, value, info):
        if is_no_op(info.field_name, value):
            return None
        raise refuse(f"'{info.field_name}' is not supported by this server (remove it or leave it at its default)")


class StreamOptions(Schema):
    include_usage: Truthy = False
    """Send a last chunk with the token counts."""


class Conversation(Addressed):
    messages: Annotated[list[Message], Field(min_length=1)]


class ChatRequest(Sampled, Conversation, Unsupported):  # fields in the order they are checked: model, messages, sampling
    n: Count = None
    """Choices to sample (at most the server's limit)."""
    stream: Truthy = False
    """Answer as server-sent events, token by token."""
    stream_options: Annotated[StreamOptions | None, BeforeValidator(lambda v: v or None)] = None
    """Read only when streaming."""

    @model_validator(mode="before")
    @classmethod
    def _stream_options_only_when_streaming(cls, data):
        if isinstance(data, dict) and not data.get("stream"):
            return {k: v for k, v in data.items() if k != "stream_options"}
        return data


class CompletionRequest(Sampled, Addressed, Unsupported):
    n: Count = None
    prompt: (StrictStr | Annotated[list[StrictStr], Field(min_length=1)]
             | Annotated[list[StrictInt], Field(min_length=1)])
    """A string, a list of strings (one prompt each) or a list of token ids."""
    stream: Truthy = False

    def prompts(self) -> list:
        """The prompts: strings, or one list of token ids."""
        if isinstance(self.prompt, str) or isinstance(self.prompt[0], int):
            return [self.prompt]
        return list(self.prompt)


def chat_messages(messages: list[Message]) -> list[dict]:
    """Messages as the chat renderer takes them: {role, content} with 'developer' as 'system' and text
    parts joined."""
    return [{"role": "system" if m.role == "developer" else m.role,
             "content": m.content if isinstance(m.content, str) else "".join(p.text for p in m.content)}
            for m in messages]


def _within(key: str, value: int | None, default: int, hi: int) -> int:
    if value is None:
        return default
    if value > hi:
        raise APIError(400, integer_message(key, value, 1, hi), key)
    return value


def sampling_of(req: Sampled, limits: Limits, n: int | None = None) -> Sampling:
    """The engine's sampling settings of a checked request, within the server's limits."""
    key = "max_completion_tokens" if req.max_completion_tokens is not None else "max_tokens"
    stops = [req.stop] if isinstance(req.stop, str) else list(req.stop or [])
    return Sampling(max_new_tokens=_within(key, getattr(req, key), limits.default_max_tokens, limits.max_tokens),
                    temperature=1.0 if req.temperature is None else req.temperature,
                    top_p=(1.0 if req.top_p is None else req.top_p) or 1e-9,
                    top_k=req.top_k or 0, stop_strings=[s for s in stops if s], seed=req.seed,
                    n=_within("n", n, 1, limits.max_n))


# ----------------------------------------------------------------------------- responses

class ErrorDetail(Schema):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorBody(Schema):
    error: ErrorDetail


ERRORS = {"4XX": {"model": ErrorBody, "description": "OpenAI's error body"}}  # a router's error responses


class ModelCard(Schema):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "posttrain"


class ModelList(Schema):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class Usage(Schema):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(Schema):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(Schema):
    index: int
    message: AssistantMessage
    finish_reason: str | None
    logprobs: None = None


class ChatCompletion(Schema):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage


class TextChoice(Schema):
    index: int
    text: str
    finish_reason: str | None
    logprobs: None = None


class TextCompletion(Schema):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[TextChoice]
    usage: Usage


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


def usage(prompt_tokens: int, completion_tokens: int) -> Usage:
    return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                 total_tokens=prompt_tokens + completion_tokens)


def chat_body(rid: str, model: str, completions, prompt_tokens: int) -> ChatCompletion:
    choices = [ChatChoice(index=i, message=AssistantMessage(content=c.text), finish_reason=c.finish_reason)
               for i, c in enumerate(completions)]
    return ChatCompletion(id=rid, created=now(), model=model, choices=choices,
                          usage=usage(prompt_tokens, sum(len(c.ids) for c in completions)))


def completion_body(rid: str, model: str, completions, prompt_tokens: int) -> TextCompletion:
    choices = [TextChoice(index=i, text=c.text, finish_reason=c.finish_reason) for i, c in enumerate(completions)]
    return TextCompletion(id=rid, created=now(), model=model, choices=choices,
                          usage=usage(prompt_tokens, sum(len(c.ids) for c in completions)))


def chat_chunk(rid: str, model: str, index: int, delta: dict, finish_reason: str | None = None) -> dict:
    return {"id": rid, "object": "chat.completion.chunk", "created": now(), "model": model,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]}


def completion_chunk(rid: str, model: str, index: int, text: str, finish_reason: str | None = None) -> dict:
    return {"id": rid, "object": "text_completion", "created": now(), "model": model,
            "choices": [{"index": index, "text": text, "finish_reason": finish_reason, "logprobs": None}]}


def sse(obj) -> str:
    return f"data: {obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)}\n\n"
