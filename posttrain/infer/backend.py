"""The chat backend protocol: conversations in, typed replies out, whoever answers.

Every consumer that asks a model for answers (the judge, the constitution's critic, best-of-n,
self-distillation, correction pairs) talks to a `ChatBackend`: `chat(conversations, sampling)` gives
one `Reply` per conversation (n per conversation with `sampling.n > 1`, conversation i's at
`[i*n, (i+1)*n)`, the engine's convention). A reply's `text` is None when the backend failed to
answer (an endpoint's error or timeout); a local model never fails that way.

Implementations: `generation.LocalChat` (a model through our engine, rendered by the training
template), `batcher_chat.BatcherChat` (the continuous batcher `posttrain serve` runs),
`fewshot.FewShotChat` (a base model answering from a few-shot prompt) and `endpoint.EndpointChat`
(any OpenAI-compatible endpoint); `endpoint.open_backend` picks between a
local model folder and an endpoint URL. The sampling options are the engine's own (`Sampling`, the
server's too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from posttrain.infer.batcher import Sampling

__all__ = ["ChatBackend", "Reply", "Sampling", "repeat_each"]


@dataclass(frozen=True)
class Reply:
    text: str | None  # the answer; None when the backend failed to give one
    finish_reason: str | None = None  # 'stop' | 'length' (None when unknown or failed)
    tokens: int | None = None  # tokens generated, when known

    @property
    def failed(self) -> bool:
        return self.text is None


class ChatBackend(Protocol):
    name: str  # who answers, as summaries and output files name it
    errors: list[str]  # why requests failed (a sample for the summary); empty for a local model

    def chat(self, conversations: list[list[dict]], sampling: Sampling,
             progress: str | None = None) -> list[Reply]:
        """One reply per conversation (n per conversation with `sampling.n`); `progress` labels a bar."""
        ...


def repeat_each(conversations: list[list[dict]], n: int) -> list[list[dict]]:
    """Each conversation n times in a row: how a backend answers `sampling.n > 1`."""
    return [c for c in conversations for _ in range(n)]
