"""OpenAI's API on the continuous batchers: `GET /v1/models`, `POST /v1/chat/completions`,
`POST /v1/completions` (plain or streamed as server-sent events), and `GET /health`."""

from __future__ import annotations

from fastapi import APIRouter, Request

from posttrain.serve import protocol as P
from posttrain.serve.generate import Job
from posttrain.serve.guard import JSONRoute
from posttrain.serve.state import ModelDep, Served, ServerDep

router = APIRouter(route_class=JSONRoute, responses=P.ERRORS)
STREAMED = {200: {"content": {"text/event-stream": {}},
                  "description": "the JSON body; with `stream: true` its chunks as server-sent events, then [DONE]"}}


@router.get("/v1/models", response_model=P.ModelList)
async def list_models(server: ServerDep):
    return P.ModelList(data=[P.ModelCard(id=m) for m in server.models])


@router.get("/health")
async def health(server: ServerDep) -> dict[str, str | list[str]]:
    return {"status": "ok", "models": list(server.models)}


@router.post("/v1/chat/completions", response_model=P.ChatCompletion, responses=STREAMED)
async def chat_completions(body: P.ChatRequest, request: Request, server: ServerDep, served: ModelDep):
    sampling = P.sampling_of(body, server.limits, body.n)
    prompt = served.chat_prompt(P.chat_messages(body.messages))
    job = Job()
    job.submit(served, [prompt], sampling)
    rid, name = P.new_id("chatcmpl"), served.name
    if not body.stream:
        return P.chat_body(rid, name, await job.results(request), len(prompt))

    def chunk(i, text, reason):
        return P.chat_chunk(rid, name, i, {} if text is None else {"content": text}, reason)

    def tail(done):
        return {**P.chat_chunk(rid, name, 0, {}), "choices": [],
                "usage": P.usage(len(prompt), sum(len(c.ids) for c in done)).model_dump()}

    include_usage = body.stream_options is not None and body.stream_options.include_usage
    return job.stream(chunk, lambda i: P.chat_chunk(rid, name, i, {"role": "assistant", "content": ""}),
                      tail if include_usage else None)


def token_prompts(served: Served, prompts: list) -> list[list[int]]:
    """Each prompt as token ids (strings are tokenized); a 400 for an empty prompt or an unknown id."""
    tok = served.tokenizer
    ids = [p if isinstance(p, list) else tok(p)["input_ids"] for p in prompts]
    if any(not p for p in ids) or any(t < 0 or t >= len(tok) for p in ids for t in p):
        raise P.APIError(400, f"every prompt needs at least one token, and token ids below {len(tok)}", "prompt")
    return ids


@router.post("/v1/completions", response_model=P.TextCompletion, responses=STREAMED)
async def completions(body: P.CompletionRequest, request: Request, server: ServerDep, served: ModelDep):
    sampling = P.sampling_of(body, server.limits, body.n)
    prompts = token_prompts(served, body.prompts())
    job = Job()
    job.submit(served, prompts, sampling)
    rid, name = P.new_id("cmpl"), served.name
    if not body.stream:
        return P.completion_body(rid, name, await job.results(request), sum(len(p) for p in prompts))
    return job.stream(lambda i, text, reason: P.completion_chunk(rid, name, i, text or "", reason))
