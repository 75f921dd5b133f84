"""One request's generation on the continuous batchers: submit prompts, then wait for every answer or
stream them as server-sent events. A request that ends early (a client gone, an error) cancels its rows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import StreamingResponse

from posttrain.infer.batcher import Completion, Sampling
from posttrain.serve import protocol as P
from posttrain.serve.state import Served


class Job:
    """Prompts submitted to one or more models for one HTTP request. Their events, (kind, choice, payload)
    with kind "delta", "done" or "error", arrive on one queue; choices are numbered in submission order
    (prompt by prompt, `n` choices each)."""

    def __init__(self):
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue = asyncio.Queue()
        self.reqs: list = []
        self.total = 0

    def _emitter(self, offset: int) -> Callable:
        def emit(ev):  # called on the batcher's thread
            kind, choice, payload = ev
            numbered = None if choice is None else offset + choice
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, numbered, payload))
        return emit

    def submit(self, served: Served, prompts: list[list[int]], sampling: Sampling) -> None:
        try:
            for ids in prompts:
                self.reqs.append(served.batcher.submit(ids, sampling, self._emitter(self.total)))
                self.total += sampling.n
        except ValueError as exc:
            self.cancel()
            raise P.APIError(400, str(exc), "messages", code="context_length_exceeded") from None

    def cancel(self) -> None:
        for r in self.reqs:
            if not r.done:
                r.cancel()

    async def results(self, request: Request | None = None) -> list[Completion]:
        """Every choice's completion, in choice order; a client that disconnects cancels the job."""
        out: list = [None] * self.total
        try:
            done = 0
            while done < self.total:
                try:
                    kind, choice, payload = await asyncio.wait_for(self.queue.get(), 0.5)
                except asyncio.TimeoutError:
                    if request is not None and await request.is_disconnected():
                        raise asyncio.CancelledError from None
                    continue
                if kind == "error":
                    raise P.APIError(500, payload, kind="server_error")
                if kind == "done":
                    out[choice], done = payload, done + 1
            return out
        finally:
            self.cancel()

    def stream(self, chunk: Callable, first: Callable | None = None, tail: Callable | None = None) -> StreamingResponse:
        """The answers as server-sent events: `first(i)` per choice, `chunk(i, text, finish_reason)` per
        delta and per finished choice, `tail(completions)` once at the end, then `[DONE]`."""
        return StreamingResponse(self._events(chunk, first, tail), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    async def _events(self, chunk: Callable, first: Callable | None, tail: Callable | None):
        finished: list = [None] * self.total
        try:
            if first is not None:
                for i in range(self.total):
                    yield P.sse(first(i))
            done = 0
            while done < self.total:
                kind, choice, payload = await self.queue.get()
                if kind == "delta":
                    yield P.sse(chunk(choice, payload, None))
                elif kind == "done":
                    finished[choice], done = payload, done + 1
                    yield P.sse(chunk(choice, None, payload.finish_reason))
                else:
                    yield P.sse(P.APIError(500, payload, kind="server_error").body())
                    return
            if tail is not None:
                yield P.sse(tail(finished))
            yield P.sse("[DONE]")
        finally:
            self.cancel()
