"""What every route shares, kept on `app.state.server`: the served models, the label store, the limits,
the API key and the comparison items waiting for labels; and the dependencies that hand them to routes."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from posttrain.data.chat import TemplateError, render_prompt
from posttrain.infer.batcher import Batcher, Sampling
from posttrain.serve.labels import Item, LabelStore
from posttrain.serve.protocol import APIError, Limits, model_message


@dataclass
class Served:
    name: str
    path: str
    tokenizer: object
    template: str
    batcher: Batcher

    def chat_prompt(self, messages: list[dict]) -> list[int]:
        """The token ids of a conversation in this model's chat template (a 400 if it cannot be rendered)."""
        try:
            return render_prompt(self.tokenizer, messages, self.template)
        except (TemplateError, ValueError) as exc:
            raise APIError(400, f"the messages cannot be rendered with this model's chat template: {exc}",
                           "messages") from None


def config_label(model: str, s: Sampling) -> str:
    return f"{model} (T={s.temperature:g}, top_p={s.top_p:g}, max {s.max_new_tokens})"


class Pending(collections.OrderedDict):
    """Comparison items shown but not yet labelled by everyone (the newest 10,000)."""

    def add(self, item: Item) -> None:
        self[item.id] = item
        while len(self) > 10_000:
            self.popitem(last=False)


@dataclass
class Server:
    models: dict[str, Served]
    labels: LabelStore | None      # None: the server keeps no labels (no --labels FOLDER)
    limits: Limits
    api_key: str | None            # with a key, every /v1/* and /ui/api/* request must carry it
    pending: Pending = field(default_factory=Pending)

    def model(self, name: str) -> Served:
        if name not in self.models:
            raise APIError(404, f"the model '{name}' does not exist; this server has {sorted(self.models)}", "model",
                           code="model_not_found")
        return self.models[name]


def server_of(request: Request) -> Server:
    return request.app.state.server


def label_store(request: Request) -> LabelStore:
    labels = server_of(request).labels
    if labels is None:
        raise APIError(404, "this server keeps no labels (start it with --labels FOLDER)")
    return labels


async def requested_model(request: Request) -> Served:
    """The model a JSON request names, looked up before the rest of its body is checked: an unknown
    model is a 404 whatever else the request gets wrong."""
    name, server = (await request.json()).get("model"), server_of(request)
    if not isinstance(name, str):
        raise APIError(400, model_message(server.models), "model")
    return server.model(name)


ServerDep = Annotated[Server, Depends(server_of)]
LabelsDep = Annotated[LabelStore, Depends(label_store)]
ModelDep = Annotated[Served, Depends(requested_model)]
