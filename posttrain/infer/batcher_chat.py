"""The continuous batcher as a `ChatBackend`: every conversation is submitted at once and decoded in
the batcher's one running batch, so a judge or critic shares a loaded model with `posttrain serve`'s
requests instead of loading a second copy. A request the batcher refuses (too long for the context)
or that fails comes back as a failed `Reply`, its reason in `errors`.
"""

from __future__ import annotations

from posttrain.data.chat import render_prompt
from posttrain.infer.backend import Reply, Sampling
from posttrain.infer.batcher import Batcher


class BatcherChat:
    def __init__(self, batcher: Batcher, template: str | None = None, name: str = "batcher",
                 timeout: float | None = None):
        self.batcher, self.template, self.name, self.timeout = batcher, template, name, timeout
        self.errors: list[str] = []

    def chat(self, conversations: list[list[dict]], sampling: Sampling, progress: str | None = None) -> list[Reply]:
        tok = self.batcher.tokenizer
        requests = []
        for conv in conversations:
            try:
                requests.append(self.batcher.submit(render_prompt(tok, conv, self.template), sampling))
            except ValueError as e:
                requests.append(None)
                self.errors.append(str(e))
        replies: list[Reply] = []
        for req in requests:
            replies += self._replies(req, sampling.n)
        return replies

    def _replies(self, request, n: int) -> list[Reply]:
        if request is None:
            return [Reply(None)] * n
        try:
            return [Reply(c.text, c.finish_reason, len(c.ids)) for c in request.wait(self.timeout)]
        except (RuntimeError, TimeoutError) as e:
            request.cancel()
            self.errors.append(str(e))
            return [Reply(None)] * n
