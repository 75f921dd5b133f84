"""The page (`/`, `static/`) and its API (`/ui/api/*`): blind comparisons, verdicts and thumbs written to
the label files (the rows come from `labels.py`), and the review of what the labels say."""

from __future__ import annotations

import secrets
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from posttrain.serve.generate import Job
from posttrain.serve.guard import JSONRoute
from posttrain.serve.labels import (ASPECTS, FILES, Item, LabelRefused, Shown, review, thumb_row, timestamp,
                                    verdict_rows)
from posttrain.serve.page_models import (FeedbackRequest, LabelRequest, NextItem, PageConfig, PairRequest, PairShown,
                                         Review, Saved, rater_name)
from posttrain.serve.protocol import ERRORS, APIError, chat_messages, new_id, sampling_of
from posttrain.serve.state import LabelsDep, ServerDep, config_label, label_store

STATIC = resources.files("posttrain.serve") / "static"
router = APIRouter(route_class=JSONRoute, responses=ERRORS)
NEEDS_LABELS = [Depends(label_store)]


@router.get("/", include_in_schema=False)
async def index():
    return FileResponse(str(STATIC / "index.html"), media_type="text/html")


@router.get("/ui/api/config", response_model=PageConfig)
async def ui_config(server: ServerDep):
    return PageConfig(models=list(server.models), labels=server.labels is not None,
                      max_tokens=server.limits.max_tokens, aspects=list(ASPECTS))


@router.post("/ui/api/pair", response_model=PairShown, dependencies=NEEDS_LABELS)
async def ui_pair(body: PairRequest, request: Request, server: ServerDep):
    """Two answers to one prompt from two configurations, shown blind as A and B in random order."""
    messages = chat_messages(body.messages)
    sides = []
    for side in body.sides:
        served = server.model(side.model)
        sides.append((served, sampling_of(side, server.limits, 1), served.chat_prompt(messages)))
    job = Job()
    for served, sampling, prompt in sides:
        job.submit(served, [prompt], sampling)
    answers = await job.results(request)
    shown = [Shown(served.name, config_label(served.name, s), {"temperature": s.temperature, "top_p": s.top_p,
                                                               "max_tokens": s.max_new_tokens, "seed": s.seed},
                   answer.text) for (served, s, _), answer in zip(sides, answers)]
    if secrets.randbelow(2) == 1:
        shown.reverse()
    item = Item(new_id("item"), messages, dict(zip("AB", shown)))
    server.pending.add(item)
    return PairShown(item=item.id, A=item.shown["A"].text, B=item.shown["B"].text)


@router.get("/ui/api/next", response_model=NextItem, response_model_exclude_unset=True)
async def ui_next(server: ServerDep, rater: Annotated[str, Query(max_length=64)] = ""):
    """An item someone else compared that `rater` has not labelled (for rater agreement)."""
    rater = rater_name(rater)
    for item in reversed(server.pending.values()):
        if item.raters and rater not in item.raters:
            return NextItem(item=item.id, messages=item.prompt, A=item.shown["A"].text, B=item.shown["B"].text)
    return NextItem(item=None)


@router.post("/ui/api/label", response_model=Saved)
async def ui_label(body: LabelRequest, server: ServerDep, labels: LabelsDep):
    item = server.pending.get(body.item)
    if item is None:
        raise APIError(404, "unknown or expired comparison item", "item")
    rater = rater_name(body.rater)
    try:
        rows = verdict_rows(item, body.verdict, rater, body.ratings, timestamp())
    except LabelRefused as exc:
        raise APIError(400, str(exc), "verdict") from None
    written = await run_in_threadpool(labels.save, rows)
    item.raters.add(rater)
    return Saved(saved=True, files=written)


@router.post("/ui/api/feedback", response_model=Saved)
async def ui_feedback(body: FeedbackRequest, server: ServerDep, labels: LabelsDep):
    """A thumbs up or down on the last answer of a chat: one KTO row."""
    try:
        row = thumb_row(chat_messages(body.messages), body.label, body.model, body.settings, rater_name(body.rater),
                        timestamp())
    except LabelRefused as exc:
        raise APIError(400, str(exc), "messages") from None
    server.model(body.model)
    return Saved(saved=True, files=await run_in_threadpool(labels.save, [row]))


@router.get("/ui/api/review", response_model=Review)
async def ui_review(labels: LabelsDep):
    return await run_in_threadpool(review, labels)


@router.get("/ui/api/export/{name}", response_class=FileResponse)
async def ui_export(name: str, labels: LabelsDep):
    if name not in FILES:
        raise APIError(404, f"no label file '{name}'; there are {sorted(FILES)}", "name")
    path = labels.path(name)
    if not path.exists():
        raise APIError(404, f"no {name} labels yet", "name")
    return FileResponse(str(path), media_type="application/x-ndjson", filename=FILES[name])
