"""Continuous batching: requests join a running batch at the next decoding step and leave when done.

A server gets requests one by one while others are mid-answer. Running each alone wastes the
weight reads that dominate decoding (a step for 32 rows costs little more than a step for one);
waiting for the running batch to finish makes a short request queue behind a long one. Here one
thread owns the model and loops:

1. drop rows whose request was cancelled (a client that went away frees its slot at once);
2. admit waiting requests (up to `max_rows` rows): prefill them together in a cache of their own
   and sample their first token;
3. one decoding step for the rows that were already running;
4. write the newcomers' keys and values into free rows of the running cache (`RowCache`, in
   `posttrain.infer.row_cache`: joining and leaving cost one row's copy), and drop finished rows.

Every row keeps its own position ids and attention mask, so a row's logits do not depend on what it
is batched with (tested: each request's greedy answer equals `engine.generate` on it alone).
Sampling is per request (temperature, top-k, top-p, seed: a seeded request draws from its own
generator). Models `fast_decode` cannot run are served one batch at a time on the `transformers`
forward: waiting requests start together when the running batch is done.

Requests report through `emit(event)`, called from the batching thread: `("delta", choice, text)`,
`("done", choice, Completion)`, or `("error", None, message)`. `Request.wait()` blocks for all
choices; a server passes an `emit` that hands events to its event loop.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from posttrain.core.runtime import pick_dtype
from posttrain.infer.engine import Completion, decode_steps, precision
from posttrain.infer.row_cache import RowCache
from posttrain.infer.sampling import sample
from posttrain.infer.stopping import StopStrings, TextDeltas, default_stop_ids, finish_row
from posttrain.model.fast_decode import FastDecoder, KVCache, unsupported


@dataclass
class Sampling:
    max_new_tokens: int = 128
    temperature: float = 0.0
    top_k: int = 0
    top_p: float = 1.0
    stop_strings: Sequence[str] = ()
    seed: int | None = None
    n: int = 1


class Request:
    """One prompt (token ids) and its sampling settings; `n` choices decode as n rows."""

    def __init__(self, prompt: list[int], sampling: Sampling, emit: Callable | None = None):
        if not prompt:
            raise ValueError("a prompt needs at least one token")
        self.prompt, self.sampling, self._emit = list(prompt), sampling, emit
        self.completions: list[Completion | None] = [None] * sampling.n
        self.error: str | None = None
        self.cancelled = False
        self.submitted = time.monotonic()
        self._done = threading.Event()
        self.generator = None
        if sampling.temperature > 0 and sampling.seed is not None:
            self.generator = torch.Generator().manual_seed(sampling.seed)

    def cancel(self) -> None:
        """Stop decoding this request; its rows leave the batch at the next step."""
        self.cancelled = True

    @property
    def done(self) -> bool:
        """Every choice has finished (or the request failed)."""
        return self._done.is_set()

    def emit(self, kind: str, choice: int | None, payload) -> None:
        if kind == "done":
            self.completions[choice] = payload
        elif kind == "error":
            self.error = payload
        if self._emit is not None:
            self._emit((kind, choice, payload))
        if kind == "error" or all(c is not None for c in self.completions):
            self._done.set()

    def wait(self, timeout: float | None = None) -> list[Completion]:
        if not self._done.wait(timeout):
            raise TimeoutError("the request did not finish in time")
        if self.error is not None:
            raise RuntimeError(self.error)
        return list(self.completions)


class _Row:
    """One choice of a request while it decodes."""

    def __init__(self, request: Request, choice: int, tokenizer):
        self.request, self.choice = request, choice
        self.stops = StopStrings(tokenizer, request.sampling.stop_strings, 1)
        self.deltas = TextDeltas(tokenizer, request.sampling.stop_strings) if tokenizer is not None else None
        self.finished = False

    @property
    def ids(self) -> list[int]:
        return self.stops.ids[0]


class Batcher:
    """Owns `model` in a background thread and decodes every submitted request in one running batch."""

    def __init__(self, model, tokenizer, dtype: str = "auto", max_rows: int = 64, stop_ids: Sequence[int] | None = None):
        self.model, self.tokenizer, self.max_rows = model, tokenizer, max_rows
        self.device = next(model.parameters()).device
        self.dtype_name, self.dtype = dtype, pick_dtype(dtype, self.device)
        self.stop_ids = list(stop_ids) if stop_ids is not None else default_stop_ids(model, tokenizer)
        self.stop_set = set(self.stop_ids)
        self.pad_id = tokenizer.pad_token_id if tokenizer is not None and tokenizer.pad_token_id is not None else 0
        cfg = model.config
        self.max_context = getattr(cfg, "max_position_embeddings", None) or 2048
        why = unsupported(model, self.max_context, self.dtype)
        if why and why.startswith("sliding window"):  # the fast path holds while no row crosses the window
            self.max_context = min(self.max_context, cfg.sliding_window)
            why = unsupported(model, self.max_context, self.dtype)
        self.continuous = why is None
        self.decoder = None  # made in the batching thread (see _loop)
        self.waiting: collections.deque[Request] = collections.deque()
        self.lock = threading.Condition()
        self.rows: list[_Row] = []  # live rows, in the order of the cache's rows
        self.cache = RowCache()
        self.closed = False
        self.steps = 0  # decoding steps run (for tests and stats)
        self.peak_rows = 0
        self.thread = threading.Thread(target=self._loop, name="posttrain-batcher", daemon=True)
        self.thread.start()

    # ------------------------------------------------------------------ public

    def submit(self, prompt: list[int], sampling: Sampling, emit: Callable | None = None) -> Request:
        if len(prompt) + sampling.max_new_tokens > self.max_context:
            raise ValueError(f"this model's maximum context length is {self.max_context} tokens; the request "
                             f"needs {len(prompt) + sampling.max_new_tokens} ({len(prompt)} in the prompt, "
                             f"{sampling.max_new_tokens} to generate)")
        req = Request(prompt, sampling, emit)
        with self.lock:
            self.waiting.append(req)
            self.lock.notify()
        return req

    def generate(self, prompt: list[int], sampling: Sampling, timeout: float | None = None) -> list[Completion]:
        return self.submit(prompt, sampling).wait(timeout)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.lock.notify()
        self.thread.join(timeout=10)

    # ------------------------------------------------------------------ the loop

    def _loop(self) -> None:
        # Every torch op on the model runs in this thread, the decoder's weight fusion included: CPU
        # decoding measured 1.7x slower in a thread when the thread that started it had already run
        # parallel torch work (two OpenMP thread teams on 2 cores).
        torch.set_grad_enabled(False)
        if self.continuous:
            self.decoder = FastDecoder(self.model, self.dtype)
        while True:
            with self.lock:
                while not self.closed and not self.waiting and not self.rows:
                    self.lock.wait()
                if self.closed:
                    break
                admit = self._take_waiting()
            try:
                if self.continuous:
                    self._step(admit)
                else:
                    self._run_static(admit)
            except Exception as exc:  # a failed step fails its requests, never the server
                failed = {id(r.request): r.request for r in self.rows} | {id(r): r for r in admit}
                for req in failed.values():
                    req.emit("error", None, f"{type(exc).__name__}: {exc}")
                self._reset()
        for req in list(self.waiting) + [r.request for r in self.rows]:
            req.emit("error", None, "the server is shutting down")

    def _take_waiting(self) -> list[Request]:
        room = self.max_rows - len(self.rows)
        admit = []
        while self.waiting and (self.waiting[0].sampling.n <= room or not admit and not self.rows):
            req = self.waiting.popleft()
            if req.cancelled:
                continue
            admit.append(req)
            room -= req.sampling.n
        return admit

    def _reset(self) -> None:
        self.rows, self.cache = [], RowCache()
        if self.decoder is not None:
            self.decoder.swap_cache()

    def _sample(self, rows: list[_Row], logits: torch.Tensor) -> list[int]:
        """Next token of each row, drawn with its request's settings (rows of one setting together)."""
        tokens = [0] * len(rows)
        groups: dict[tuple, list[int]] = {}
        for i, row in enumerate(rows):
            s = row.request.sampling
            groups.setdefault((s.temperature, s.top_k, s.top_p, id(row.request.generator)), []).append(i)
        for (temperature, top_k, top_p, _), idx in groups.items():
            idx.sort(key=lambda i: (id(rows[i].request), rows[i].choice))  # a seeded request draws in choice order
            gen = rows[idx[0]].request.generator
            picked, _ = sample(logits[idx], temperature, top_k, top_p, gen, with_logprobs=False)
            for i, t in zip(idx, picked.tolist()):
                tokens[i] = t
        return tokens

    def _advance(self, rows: list[_Row], tokens: list[int]) -> None:
        """Record each row's new token; emit deltas, and the completion of rows that are done."""
        for row, token in zip(rows, tokens):
            hit = row.stops(0, token)
            s = row.request.sampling
            if token in self.stop_set or hit or len(row.ids) >= s.max_new_tokens:
                row.finished = True
                text, reason = finish_row(self.tokenizer, row.ids, self.stop_ids, s.stop_strings, row.stops.hit[0])
                if row.deltas is not None and (rest := row.deltas.rest(text)):
                    row.request.emit("delta", row.choice, rest)
                row.request.emit("done", row.choice, Completion(list(row.ids), text, reason))
            elif row.deltas is not None and (delta := row.deltas.step(row.ids)):
                row.request.emit("delta", row.choice, delta)

    def _step(self, admit: list[Request]) -> None:
        self._drop(lambda r: r.request.cancelled)
        old_rows, old_tokens, c = list(self.rows), None, self.cache
        with precision(self.model, self.dtype_name):
            if old_rows:  # one step for the running rows
                c.reserve_column()
                n, end = c.rows, c.length + 1
                c.mask[:n, c.length] = 1
                self.decoder.swap_cache(c.view())
                logits = self.decoder.forward(c.inputs[:n], c.mask[:n, :end], c.positions[:n])
                c.length = end
                c.positions[:n] += 1
                old_tokens = self._sample(old_rows, logits)
                c.inputs[:n, 0] = torch.tensor(old_tokens, device=self.device)
            if admit:
                self._prefill(admit)
        if old_rows:
            self._advance(old_rows, old_tokens)
        self.steps += 1
        self.peak_rows = max(self.peak_rows, len(self.rows))
        self._drop(lambda r: r.finished or r.request.cancelled)

    def _prefill(self, admit: list[Request]) -> None:
        """Prefill the newcomers in a cache of their own, sample their first tokens, add their rows."""
        prompts = [r.prompt for r in admit]
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, width - len(p):] = torch.tensor(p)
            mask[i, width - len(p):] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        ids, mask, positions = ids.to(self.device), mask.to(self.device), positions.to(self.device)
        self.decoder.swap_cache()
        logits = self.decoder.forward(ids, mask, positions)
        fresh = self.decoder.swap_cache()
        per_row = torch.tensor([r.sampling.n for r in admit], device=self.device)
        if bool((per_row > 1).any()):  # n choices share their prompt's prefill
            fresh = KVCache([t.repeat_interleave(per_row, 0) for t in fresh.k],
                            [t.repeat_interleave(per_row, 0) for t in fresh.v], fresh.length)
            logits, mask, positions = (t.repeat_interleave(per_row, 0) for t in (logits, mask, positions))
        rows = [_Row(req, c, self.tokenizer) for req in admit for c in range(req.sampling.n)]
        tokens = self._sample(rows, logits)
        self._advance(rows, tokens)
        self.cache.add(fresh, mask, positions[:, -1:] + 1, torch.tensor(tokens, device=self.device)[:, None])
        self.rows = self.rows + rows

    def _drop(self, dead) -> None:
        """Remove the rows `dead(row)` is true of (the last live row takes a removed row's place)."""
        for i in range(len(self.rows) - 1, -1, -1):
            if dead(self.rows[i]):
                moved = self.cache.remove(i)
                self.rows[i] = self.rows[moved]
                self.rows.pop()
        if not self.rows:
            self._reset()

    def _run_static(self, admit: list[Request]) -> None:
        """Models without the fast decoder: the admitted requests decode together to the end."""
        groups: dict[tuple, list[Request]] = {}
        for req in admit:  # one decode per setting; the forward cannot mix settings in one batch
            s = req.sampling
            groups.setdefault((s.temperature, s.top_k, s.top_p, s.seed, s.n, s.max_new_tokens), []).append(req)
        for reqs in groups.values():
            s = reqs[0].sampling
            rows = [_Row(req, c, self.tokenizer) for req in reqs for c in range(s.n)]
            tokens_by_row = {}
            for step in decode_steps(self.model, [r.prompt for r in reqs], s.max_new_tokens, s.temperature, s.top_k,
                                     s.top_p, self.stop_ids, s.seed, self.pad_id, self.dtype_name, with_logprobs=False, n=s.n):
                live = [i for i in step.rows if not rows[i].finished and not rows[i].request.cancelled]
                if not live:
                    break
                for i, t in zip(step.rows, step.tokens):
                    tokens_by_row[i] = t
                self._advance([rows[i] for i in live], [tokens_by_row[i] for i in live])
                self.steps += 1
            for r in rows:  # cancelled or cut short: report what there is
                if not r.finished and not r.request.cancelled:
                    text, reason = finish_row(self.tokenizer, r.ids, self.stop_ids, s.stop_strings, r.stops.hit[0])
                    r.request.emit("done", r.choice, Completion(list(r.ids), text, reason))
