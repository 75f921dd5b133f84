"""The server's routes: OpenAI's `/v1/*` on the continuous batcher, the page and its `/ui/api/*`.

Requests never name a file: models are those loaded at start, label files are fixed names in the
label folder. With an API key every `/v1/*` and `/ui/api/*` request must carry
`Authorization: Bearer KEY` (the page asks for it once and keeps it in the browser).
"""

from __future__ import annotations

import asyncio
import collections
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from posttrain.infer.batcher import Batcher, Sampling
from posttrain.data.chat import TemplateError, render_prompt
from posttrain.serve import protocol as P
from posttrain.serve.labels import FILES, LabelStore, review, timestamp

STATIC = resources.files("posttrain.serve") / "static"
VERDICTS = ("A", "B", "tie", "both_bad")
ASPECTS = ("helpfulness", "accuracy", "clarity")


@dataclass
class Served:
    name: str
    path: str
    tokenizer: object
    template: str
    batcher: Batcher


def config_label(model: str, s: Sampling) -> str:
    return f"{model} (T={s.temperature:g}, top_p={s.top_p:g}, max {s.max_new_tokens})"


class Pending(collections.OrderedDict):
    """Comparison items shown but not yet labelled by everyone (the newest 10,000)."""

    def add(self, item: dict) -> None:
        self[item["item"]] = item
        while len(self) > 10_000:
            self.popitem(last=False)


def build_app(models: dict[str, Served], labels: LabelStore | None = None, api_key: str | None = None,
              limits: P.Limits | None = None) -> FastAPI:
    limits = limits or P.Limits()
    app = FastAPI(title="posttrain serve", docs_url=None, redoc_url=None, openapi_url=None)
    pending = Pending()

    @app.exception_handler(P.APIError)
    async def api_error(_, exc: P.APIError):
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_, exc: StarletteHTTPException):
        return JSONResponse(P.APIError(exc.status_code, str(exc.detail)).body(), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def server_error(_, exc: Exception):
        return JSONResponse(P.APIError(500, f"{type(exc).__name__}: {exc}", kind="server_error").body(), status_code=500)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        path = request.url.path
        if api_key and (path.startswith("/v1/") or path.startswith("/ui/api/")):
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {api_key}".encode()):
                err = P.APIError(401, "missing or wrong API key (send 'Authorization: Bearer KEY')",
                                 code="invalid_api_key", kind="authentication_error")
                return JSONResponse(err.body(), status_code=401)
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > limits.max_body_bytes:
            err = P.APIError(413, f"request body is {size} bytes; the limit is {limits.max_body_bytes}")
            return JSONResponse(err.body(), status_code=413)
        return await call_next(request)

    async def body_of(request: Request) -> dict:
        return P.parse_json(await request.body(), limits)

    def model_of(data: dict) -> Served:
        name = data.get("model")
        if not isinstance(name, str):
            raise P.APIError(400, f"'model' must be one of {sorted(models)}", "model")
        if name not in models:
            raise P.APIError(404, f"the model '{name}' does not exist; this server has {sorted(models)}", "model",
                             code="model_not_found")
        return models[name]

    def chat_prompt(served: Served, messages: list[dict]) -> list[int]:
        try:
            return render_prompt(served.tokenizer, messages, served.template)
        except (TemplateError, ValueError) as exc:
            raise P.APIError(400, f"the messages cannot be rendered with this model's chat template: {exc}",
                             "messages") from None

    def submit(served: Served, prompts: list[list[int]], sampling: Sampling, put: Callable):
        """Submit every prompt; events come to `put` as (kind, choice, payload), choices numbered
        prompt by prompt."""
        reqs = []
        try:
            for j, ids in enumerate(prompts):
                emit = (lambda off: lambda ev: put((ev[0], None if ev[1] is None else off + ev[1], ev[2])))(j * sampling.n)
                reqs.append(served.batcher.submit(ids, sampling, emit))
        except ValueError as exc:
            for r in reqs:
                r.cancel()
            raise P.APIError(400, str(exc), "messages", code="context_length_exceeded") from None
        return reqs

    def queue_for():
        loop, q = asyncio.get_running_loop(), asyncio.Queue()
        return q, lambda ev: loop.call_soon_threadsafe(q.put_nowait, ev)

    async def collect(reqs, q: asyncio.Queue, total: int, request: Request | None) -> list:
        out = [None] * total
        try:
            done = 0
            while done < total:
                try:
                    kind, choice, payload = await asyncio.wait_for(q.get(), 0.5)
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
            for r in reqs:
                if not r.done:
                    r.cancel()

    def stream(reqs, q: asyncio.Queue, total: int, chunk: Callable, first: Callable | None, tail: Callable | None):
        async def events():
            finished = [None] * total
            try:
                if first is not None:
                    for i in range(total):
                        yield P.sse(first(i))
                done = 0
                while done < total:
                    kind, choice, payload = await q.get()
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
                for r in reqs:
                    if not r.done:
                        r.cancel()

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    # ------------------------------------------------------------------ OpenAI protocol

    @app.get("/v1/models")
    async def list_models():
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "posttrain"}
                                           for m in models]}

    @app.get("/health")
    async def health():
        return {"status": "ok", "models": list(models)}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        data = await body_of(request)
        served = model_of(data)
        messages, sampling = P.messages_from(data), P.sampling_from(data, limits)
        prompt = chat_prompt(served, messages)
        q, put = queue_for()
        reqs = submit(served, [prompt], sampling, put)
        rid, name = P.new_id("chatcmpl"), served.name
        if not data.get("stream"):
            return P.chat_body(rid, name, await collect(reqs, q, sampling.n, request), len(prompt))
        include_usage = bool((data.get("stream_options") or {}).get("include_usage"))

        def chunk(i, text, reason):
            return P.chat_chunk(rid, name, i, {} if text is None else {"content": text}, reason)

        def tail(done):
            body = P.chat_chunk(rid, name, 0, {})
            body["choices"], body["usage"] = [], P.usage(len(prompt), sum(len(c.ids) for c in done))
            return body

        return stream(reqs, q, sampling.n, chunk, lambda i: P.chat_chunk(rid, name, i, {"role": "assistant", "content": ""}),
                      tail if include_usage else None)

    @app.post("/v1/completions")
    async def completions(request: Request):
        data = await body_of(request)
        served = model_of(data)
        sampling = P.sampling_from(data, limits)
        tok = served.tokenizer
        prompts = [p if isinstance(p, list) else tok(p)["input_ids"] for p in P.prompts_from(data)]
        if any(not p for p in prompts) or any(t < 0 or t >= len(tok) for p in prompts for t in p if isinstance(t, int)):
            raise P.APIError(400, f"every prompt needs at least one token, and token ids below {len(tok)}", "prompt")
        q, put = queue_for()
        total = len(prompts) * sampling.n
        reqs = submit(served, prompts, sampling, put)
        rid, name = P.new_id("cmpl"), served.name
        n_prompt = sum(len(p) for p in prompts)
        if not data.get("stream"):
            return P.completion_body(rid, name, await collect(reqs, q, total, request), n_prompt)
        return stream(reqs, q, total, lambda i, text, reason: P.completion_chunk(rid, name, i, text or "", reason),
                      None, None)

    # ------------------------------------------------------------------ the page and its API

    @app.get("/")
    async def index():
        return FileResponse(str(STATIC / "index.html"), media_type="text/html")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    def store() -> LabelStore:
        if labels is None:
            raise P.APIError(404, "this server keeps no labels (start it with --labels FOLDER)")
        return labels

    def rater_of(data: dict) -> str:
        rater = data.get("rater", "")
        if not isinstance(rater, str) or len(rater) > 64:
            raise P.APIError(400, "'rater' must be a string of at most 64 characters", "rater")
        return rater.strip() or "anonymous"

    @app.get("/ui/api/config")
    async def ui_config():
        return {"models": list(models), "labels": labels is not None, "max_tokens": limits.max_tokens,
                "aspects": list(ASPECTS)}

    @app.post("/ui/api/pair")
    async def ui_pair(request: Request):
        """Two answers to one prompt from two configurations, shown blind as A and B in random order."""
        data = await body_of(request)
        store()
        messages = P.messages_from(data)
        if messages[-1]["role"] != "user":
            raise P.APIError(400, "the conversation to answer must end with a user message", "messages")
        sides = data.get("sides")
        if not isinstance(sides, list) or len(sides) != 2 or not all(isinstance(s, dict) for s in sides):
            raise P.APIError(400, "'sides' must be two objects {model, temperature, top_p, max_tokens}", "sides")
        q, put = queue_for()
        runs = []
        for k, side in enumerate(sides):
            served = model_of(side)
            sampling = P.sampling_from({**side, "n": 1}, limits)
            prompt = chat_prompt(served, messages)
            tagged = (lambda k: lambda ev: put((ev[0], None if ev[1] is None else k, ev[2])))(k)
            runs.append((served, sampling, submit(served, [prompt], sampling, tagged)))
        answers = await collect([r for _, _, rs in runs for r in rs], q, 2, request)
        flip = secrets.randbelow(2) == 1
        shown = {}
        for label, k in zip("AB", (1, 0) if flip else (0, 1)):
            served, sampling, _ = runs[k]
            shown[label] = {"model": served.name, "config": config_label(served.name, sampling),
                            "settings": {"temperature": sampling.temperature, "top_p": sampling.top_p,
                                         "max_tokens": sampling.max_new_tokens, "seed": sampling.seed},
                            "text": answers[k].text}
        item = {"item": P.new_id("item"), "prompt": messages, "shown": shown, "raters": set()}
        pending.add(item)
        return {"item": item["item"], "A": shown["A"]["text"], "B": shown["B"]["text"]}

    @app.get("/ui/api/next")
    async def ui_next(rater: str = ""):
        """An item someone else compared that `rater` has not labelled (for rater agreement)."""
        rater = rater_of({"rater": rater})
        for item in reversed(pending.values()):
            if item["raters"] and rater not in item["raters"]:
                return {"item": item["item"], "messages": item["prompt"], "A": item["shown"]["A"]["text"],
                        "B": item["shown"]["B"]["text"]}
        return {"item": None}

    def ratings_of(data: dict) -> dict:
        ratings = data.get("ratings") or {}
        if not isinstance(ratings, dict):
            raise P.APIError(400, "'ratings' must be {A: {aspect: 1-5}, B: {...}}", "ratings")
        out = {}
        for side, scores in ratings.items():
            if side not in ("A", "B") or not isinstance(scores, dict):
                raise P.APIError(400, "'ratings' must be {A: {aspect: 1-5}, B: {...}}", "ratings")
            for aspect, v in scores.items():
                if aspect not in ASPECTS or isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5:
                    raise P.APIError(400, f"rating '{side}.{aspect}' must be an integer 1-5 for one of {ASPECTS}",
                                     "ratings")
            out[side] = dict(scores)
        return out

    @app.post("/ui/api/label")
    async def ui_label(request: Request):
        data = await body_of(request)
        st = store()
        item = pending.get(data.get("item")) if isinstance(data.get("item"), str) else None
        if item is None:
            raise P.APIError(404, "unknown or expired comparison item", "item")
        verdict = data.get("verdict")
        if verdict not in VERDICTS:
            raise P.APIError(400, f"'verdict' must be one of {VERDICTS}", "verdict")
        rater = rater_of(data)
        shown = {k: {f: v[f] for f in ("model", "config", "settings")} for k, v in item["shown"].items()}
        meta = {"item": item["item"], "rater": rater, "time": timestamp(), "verdict": verdict, "shown": shown,
                "ratings": ratings_of(data)}
        text = {k: v["text"] for k, v in item["shown"].items()}
        if verdict in ("A", "B"):
            lose = "B" if verdict == "A" else "A"
            if not text["A"].strip() or not text["B"].strip():  # the pair readers refuse empty answers
                raise P.APIError(400, "an empty answer cannot be half of a training pair: label this item "
                                 "'tie' or 'both bad'", "verdict")
            row = {"prompt": item["prompt"], "chosen": text[verdict], "rejected": text[lose],
                   "chosen_model": shown[verdict]["config"], "rejected_model": shown[lose]["config"], **meta}
            await run_in_threadpool(st.append, "pairs", [row])
            written = ["pairs"]
        else:
            await run_in_threadpool(st.append, "ties", [{"prompt": item["prompt"], "A": text["A"], "B": text["B"], **meta}])
            written = ["ties"]
            if verdict == "both_bad":  # two undesirable examples for KTO
                rows = [{"prompt": item["prompt"], "completion": text[k], "label": False, "source": "compare",
                         "model": shown[k]["config"], **meta} for k in "AB" if text[k].strip()]
                if rows:
                    await run_in_threadpool(st.append, "unpaired", rows)
                    written.append("unpaired")
        item["raters"].add(rater)
        return {"saved": True, "files": written}

    @app.post("/ui/api/feedback")
    async def ui_feedback(request: Request):
        """A thumbs up or down on the last answer of a chat: one KTO row."""
        data = await body_of(request)
        st = store()
        messages = P.messages_from(data)
        if messages[-1]["role"] != "assistant" or len(messages) < 2 or messages[-2]["role"] != "user":
            raise P.APIError(400, "feedback needs a conversation ending with a user turn and the rated answer",
                             "messages")
        if not messages[-1]["content"].strip():
            raise P.APIError(400, "an empty answer cannot be a KTO example", "messages")
        if not isinstance(data.get("label"), bool):
            raise P.APIError(400, "'label' must be true (thumbs up) or false (thumbs down)", "label")
        model_of(data)
        settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
        row = {"prompt": messages[:-1], "completion": messages[-1]["content"], "label": data["label"],
               "source": "chat", "model": data["model"], "settings": settings, "rater": rater_of(data),
               "time": timestamp()}
        await run_in_threadpool(st.append, "unpaired", [row])
        return {"saved": True, "files": ["unpaired"]}

    @app.get("/ui/api/review")
    async def ui_review():
        return await run_in_threadpool(review, store())

    @app.get("/ui/api/export/{name}")
    async def ui_export(name: str):
        st = store()
        if name not in FILES:
            raise P.APIError(404, f"no label file '{name}'; there are {sorted(FILES)}", "name")
        path = st.path(name)
        if not path.exists():
            raise P.APIError(404, f"no {name} labels yet", "name")
        return FileResponse(str(path), media_type="application/x-ndjson", filename=FILES[name])

    return app
