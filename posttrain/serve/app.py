"""The server: OpenAI's `/v1/*` on the continuous batcher (`openai_routes.py`), the page and its
`/ui/api/*` (`page_routes.py`), wired to the state they share (`state.py`, on `app.state.server`).

Requests never name a file: models are those loaded at start, label files are fixed names in the
label folder. With an API key every `/v1/*` and `/ui/api/*` request must carry
`Authorization: Bearer KEY` (the page asks for it once and keeps it in the browser). Request and
response models are pydantic, so `/openapi.json` describes the API; every error is OpenAI's error body.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from posttrain.serve import errors, openai_routes, page_routes
from posttrain.serve.guard import guard
from posttrain.serve.labels import LabelStore
from posttrain.serve.protocol import Limits
from posttrain.serve.state import Served, Server

__all__ = ["Served", "build_app"]


def build_app(models: dict[str, Served], labels: LabelStore | None = None, api_key: str | None = None,
              limits: Limits | None = None) -> FastAPI:
    app = FastAPI(title="posttrain serve", summary="OpenAI-compatible API, and a page to chat, compare and label",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.server = Server(models, labels, limits or Limits(), api_key)
    errors.install(app)
    app.middleware("http")(guard)
    app.include_router(openai_routes.router)
    app.include_router(page_routes.router)
    app.mount("/static", StaticFiles(directory=str(page_routes.STATIC)), name="static")
    return app
