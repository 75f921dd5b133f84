"""The server's edge without a model: the OpenAPI document, bad input (always a 4xx with OpenAI's error
body naming the parameter, never a 5xx), JSON read whatever the Content-Type, and the label rows a
verdict writes (their files and key order)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from posttrain.data.chat import resolve_template
from posttrain.serve.app import Served, build_app
from posttrain.serve.labels import Item, LabelRefused, LabelStore, Shown, thumb_row, verdict_rows
from posttrain.serve.protocol import Limits
from serve_schema_echo import Echo

Q = [{"role": "user", "content": "What is 3 plus 4?"}]
CHAT = {"model": "m", "messages": Q, "max_tokens": 4}
POOL = [None, True, 0, -1, 3, 2.5, 1e30, float("nan"), "", "x" * 80, [], [1], ["a"] * 5, {}, {"a": 1},
        [{"role": "wizard", "content": "x"}], [{"role": "user", "content": [{"type": "image"}]}]]


@pytest.fixture()
def client(tokenizer, tmp_path):
    served = {"m": Served("m", "-", tokenizer, resolve_template(tokenizer, "chatml"), Echo())}
    app = build_app(served, LabelStore(tmp_path / "labels"), limits=Limits(max_tokens=64, max_n=4, max_body_bytes=5000))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def post(client, path, body, **headers):
    return client.post(path, content=json.dumps(body), headers={"content-type": "application/json", **headers})


def test_the_openapi_document_describes_the_requests(client):
    doc = client.get("/openapi.json").json()
    chat = doc["paths"]["/v1/chat/completions"]["post"]
    assert chat["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ChatRequest")
    assert "422" not in json.dumps(doc)  # errors are OpenAI's bodies, not FastAPI's
    schemas = doc["components"]["schemas"]
    assert set(schemas["ChatRequest"]["required"]) == {"model", "messages"}
    assert schemas["ErrorBody"]["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    for name in ("CompletionRequest", "PairRequest", "LabelRequest", "FeedbackRequest", "ChatCompletion", "Review"):
        assert name in schemas
    for path in ("/v1/models", "/v1/completions", "/ui/api/pair", "/ui/api/label", "/ui/api/feedback"):
        assert path in doc["paths"]


@pytest.mark.parametrize("field", ["model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
                                   "top_k", "n", "seed", "stop", "stream", "stream_options"])
def test_a_bad_chat_parameter_is_a_4xx_that_names_it(client, field):
    for value in POOL:
        r = post(client, "/v1/chat/completions", {**CHAT, "stream": field == "stream_options", field: value})
        assert r.status_code < 500, (field, value, r.text)
        if r.status_code >= 400:
            err = r.json()["error"]
            assert set(err) == {"message", "type", "param", "code"} and err["param"].startswith(field), (value, err)


def test_bad_page_requests_are_4xx(client):
    sides = [{"model": "m", "temperature": 1.0}, {"model": "m", "temperature": 0.5}]
    item = post(client, "/ui/api/pair", {"messages": Q, "sides": sides}).json()["item"]
    chat = [*Q, {"role": "assistant", "content": "7"}]
    bodies = {"/ui/api/pair": {"messages": Q, "sides": sides},
              "/ui/api/label": {"item": item, "verdict": "A", "ratings": {"A": {"clarity": 3}}},
              "/ui/api/feedback": {"model": "m", "messages": chat, "label": True}}
    for path, good in bodies.items():
        for field in [*good, "rater"]:
            for value in POOL:
                r = post(client, path, {**good, field: value})
                assert r.status_code < 500, (path, field, value, r.text)
                assert r.status_code == 200 or "error" in r.json(), (path, field, value, r.text)
    r = post(client, "/ui/api/label", {"item": item, "verdict": "A", "ratings": {"A": {"wit": 3}}})
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("rating 'A.wit' must be an integer 1-5")
    r = post(client, "/ui/api/pair", {"messages": Q, "sides": [sides[0], {**sides[1], "top_p": 7}]})
    assert r.json()["error"] == {"message": "'top_p' must be a number in [0.0, 1.0], got 7", "param": "top_p",
                                 "type": "invalid_request_error", "code": None}


def test_exact_messages_and_limits(client):
    def error(body, path="/v1/chat/completions"):
        r = post(client, path, body)
        return r.status_code, r.json()["error"]["message"], r.json()["error"]["param"]

    assert error({**CHAT, "max_tokens": 65}) == \
        (400, "'max_tokens' must be an integer in [1, 64], got 65", "max_tokens")
    assert error({**CHAT, "n": True}) == (400, "'n' must be an integer in [1, 4], got True", "n")
    assert error({**CHAT, "model": 3}) == (400, "'model' must be one of ['m']", "model")
    assert error({**CHAT, "model": "x", "temperature": 9})[0] == 404  # an unknown model first, as before
    assert error({**CHAT, "messages": [Q[0], {"role": "user", "content": 5}]}) == \
        (400, "'messages[1].content' must be a string or a list of text parts", "messages[1]")
    assert error({"model": "m", "prompt": [1, "a"]}, "/v1/completions")[1].startswith("'prompt' must be")
    assert error({"model": "m", "prompt": [10**6]}, "/v1/completions")[1].startswith("every prompt needs")
    # max_completion_tokens wins; max_tokens is then not read at all
    r = post(client, "/v1/chat/completions", {**CHAT, "max_completion_tokens": 3, "max_tokens": "x"})
    assert r.status_code == 200


def test_json_is_read_whatever_the_content_type_and_the_limit_holds_without_a_length(client):
    body = json.dumps(CHAT).encode()
    for ctype in ({"content-type": "text/plain"}, {"content-type": "application/x-www-form-urlencoded"}, {}):
        assert client.post("/v1/chat/completions", content=body, headers=ctype).status_code == 200
    r = client.post("/v1/chat/completions", content=iter([b'{"model": "m", "x": "', b"y" * 6000, b'"}']))
    assert r.status_code == 413 and r.json()["error"]["message"].startswith("request body is")
    r = client.post("/v1/chat/completions", content=b"")
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("malformed JSON")


def item(a="seven", b="eight") -> Item:
    side = {"temperature": 1.0, "top_p": 1.0, "max_tokens": 8, "seed": None}
    return Item("item-1", Q, {"A": Shown("m", "m (T=1)", side, a), "B": Shown("n", "n (T=1)", side, b)})


def test_what_each_verdict_writes():
    meta = ["item", "rater", "time", "verdict", "shown", "ratings"]
    (pair,) = verdict_rows(item(), "B", "ann", {}, "t")
    assert pair.file == "pairs" and list(pair.to_json()) == \
        ["prompt", "chosen", "rejected", "chosen_model", "rejected_model", *meta]
    assert (pair.chosen, pair.rejected, pair.chosen_model) == ("eight", "seven", "n (T=1)")
    assert pair.to_json()["shown"]["A"] == {"model": "m", "config": "m (T=1)", "settings": item().shown["A"].settings}
    tie, *kto = verdict_rows(item(b=" "), "both_bad", "ann", {}, "t")
    assert tie.file == "ties" and list(tie.to_json()) == ["prompt", "A", "B", *meta]
    assert [(r.file, r.completion, r.label, r.source) for r in kto] == [("unpaired", "seven", False, "compare")]
    assert list(kto[0].to_json()) == ["prompt", "completion", "label", "source", "model", *meta]
    with pytest.raises(LabelRefused, match="empty answer"):
        verdict_rows(item(b=""), "A", "ann", {}, "t")
    thumb = thumb_row(Q + [{"role": "assistant", "content": "7"}], True, "m", {"temperature": 0.7}, "ann", "t")
    assert thumb.to_json() == {"prompt": Q, "completion": "7", "label": True, "source": "chat", "model": "m",
                               "settings": {"temperature": 0.7}, "rater": "ann", "time": "t"}


def test_save_appends_each_file_once_in_order(tmp_path):
    store = LabelStore(tmp_path)
    rows = verdict_rows(item(), "both_bad", "ann", {"A": {"clarity": 2}}, "t")
    assert store.save(rows) == ["ties", "unpaired"]
    lines = store.path("unpaired").read_text().splitlines()
    assert [json.loads(line)["completion"] for line in lines] == ["seven", "eight"]


def test_serve_functions_and_files_stay_small():
    for path in Path(__file__).resolve().parents[2].joinpath("posttrain", "serve").glob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 400, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno < 60, f"{path.name}: {node.name}"
