"""An OpenAI-compatible chat-completions endpoint as a `ChatBackend`, and which backend a name means.

`EndpointChat` asks `posttrain serve`, vLLM, Ollama or a hosted API through the `openai` client,
`workers` requests at a time; a failed request (an error or a timeout) answers `Reply(None)` and its
reason is kept in `errors`, never raised. `open_backend` is the one place where a URL means an
endpoint and anything else a local model folder (or hub id).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import openai

from posttrain.core.config import ConfigError
from posttrain.infer.backend import ChatBackend, Reply, Sampling, repeat_each
from posttrain.infer.generation import LocalChat


def is_endpoint(spec: str | None) -> bool:
    """A URL (http:// or https://) names an endpoint; anything else is a model folder or hub id."""
    return bool(spec) and spec.startswith(("http://", "https://"))


def request_options(sampling: Sampling) -> dict:
    """The chat-completions fields of a sampling: temperature and max_tokens always; top_p, seed and stop
    only when they differ from the API's defaults (top_k has no OpenAI field and is not sent)."""
    out = {"temperature": sampling.temperature, "max_tokens": sampling.max_new_tokens}
    if sampling.top_p != 1.0:
        out["top_p"] = sampling.top_p
    if sampling.seed is not None:
        out["seed"] = sampling.seed
    if sampling.stop_strings:
        out["stop"] = list(sampling.stop_strings)
    return out


class EndpointChat:
    """Conversations answered by an OpenAI-compatible chat-completions endpoint, `workers` at a time;
    a failed request answers `Reply(None)` and is kept in `errors`."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60, workers: int = 8):
        self.name, self.model, self.workers, self.errors = f"{model} @ {base_url}", model, workers, []
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key or "none", timeout=timeout, max_retries=1)

    def _one(self, messages: list[dict], options: dict) -> Reply:
        try:
            r = self.client.chat.completions.create(model=self.model, messages=messages, **options)
        except Exception as exc:  # noqa: BLE001 - a failed request is counted, never fatal
            self.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            return Reply(None)
        choice, usage = r.choices[0], getattr(r, "usage", None)
        return Reply(choice.message.content or "", choice.finish_reason,
                     getattr(usage, "completion_tokens", None) if usage is not None else None)

    def chat(self, conversations: list[list[dict]], sampling: Sampling, progress: str | None = None) -> list[Reply]:
        options = request_options(sampling)
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(lambda m: self._one(m, options), repeat_each(conversations, sampling.n)))


def open_backend(spec: str, model_name: str | None = None, *, model_flag: str = "--model_name",
                 template: str | None = None, batch_size: int = 32, api_key_env: str = "OPENAI_API_KEY",
                 timeout: float = 60, workers: int = 8) -> ChatBackend:
    """A URL → `EndpointChat` asking for `model_name` (required: `model_flag` names the option that gives
    it, for the error), with the key from `api_key_env`; else the model folder through the engine
    (`template` renders its prompts)."""
    if is_endpoint(spec):
        if not model_name:
            raise ConfigError(f"an endpoint ({spec}) needs {model_flag} (the model name the endpoint serves)")
        return EndpointChat(spec, model_name, os.environ.get(api_key_env), timeout, workers)
    return LocalChat.load(spec, template, batch_size)
