"""An OpenAI parameter the server does not implement is a 400 naming it, never a 200 that ignores it;
the parameter at its no-op value (logprobs false, response_format text, penalties 0) is accepted."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from posttrain.data.chat import resolve_template
from posttrain.serve.app import Served, build_app
from posttrain.serve.labels import LabelStore
from posttrain.serve.protocol import Limits
from serve_schema_echo import Echo

CHAT = {"model": "m", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}
COMPLETION = {"model": "m", "prompt": "Hi", "max_tokens": 4}
TOOL = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]


@pytest.fixture()
def client(tokenizer, tmp_path):
    served = {"m": Served("m", "-", tokenizer, resolve_template(tokenizer, "chatml"), Echo())}
    with TestClient(build_app(served, LabelStore(tmp_path / "labels"), limits=Limits()),
                    raise_server_exceptions=False) as c:
        yield c


def post(client, path, body):
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})


@pytest.mark.parametrize("path, base, param, value", [
    ("/v1/chat/completions", CHAT, "logprobs", True),
    ("/v1/chat/completions", CHAT, "top_logprobs", 3),
    ("/v1/chat/completions", CHAT, "tools", TOOL),
    ("/v1/chat/completions", CHAT, "tool_choice", "required"),
    ("/v1/chat/completions", CHAT, "response_format", {"type": "json_object"}),
    ("/v1/chat/completions", CHAT, "frequency_penalty", 0.5),
    ("/v1/chat/completions", CHAT, "logit_bias", {"1": 5}),
    ("/v1/completions", COMPLETION, "logprobs", 0),
    ("/v1/chat/completions", CHAT, "presence_penalty", 1),
    ("/v1/completions", COMPLETION, "echo", True),
    ("/v1/completions", COMPLETION, "suffix", "!"),
    ("/v1/completions", COMPLETION, "best_of", 3),
])
def test_an_unsupported_parameter_is_a_400_naming_it(client, path, base, param, value):
    r = post(client, path, {**base, param: value})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] == param and param in err["message"] and "not supported" in err["message"]


@pytest.mark.parametrize("param, value", [("logprobs", False), ("response_format", {"type": "text"}),
                                          ("presence_penalty", 0), ("frequency_penalty", 0.0), ("tools", []),
                                          ("tool_choice", "none"), ("best_of", 1)])
def test_the_no_op_value_of_a_parameter_is_accepted(client, param, value):
    path, base = ("/v1/completions", COMPLETION) if param == "best_of" else ("/v1/chat/completions", CHAT)
    assert post(client, path, {**base, param: value}).status_code == 200
