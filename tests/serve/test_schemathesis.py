"""Schema fuzzing of the server (schemathesis) from its own OpenAPI document, on the tiny model.

Requests are generated from `/openapi.json` for every operation, both ones the schema allows
(positive) and ones it forbids (negative: wrong types, missing fields, out-of-range numbers, junk
paths and queries). Whatever comes in:
- no response is a 5xx;
- every 4xx (and any error) is OpenAI's error body, exactly `{"error": {"message", "type", "param",
  "code"}}` with a string message and type;
- a 2xx of a JSON operation matches the response model the schema declares;
- off the schema too: an unknown path is a 404, a method a path lacks a 405, both in that error shape;
- the server is alive afterwards: `/health` answers and a plain chat request is served.
Two thirds of the generated requests that name a model, a comparison item or a label file are pointed
at a served model, an item the fuzz was shown, an existing file (`point_at_real_things`), so that
generation, streaming and the label routes run, not only the unknown-name refusals. 150 examples here
(under 10 s on 2 cores, the tiny model loaded); the fuzz tier (`make test-fuzz`) runs 1,500 (about a minute).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from posttrain.serve.app import build_app
from posttrain.serve.labels import LabelStore
from posttrain.serve.protocol import Limits

ERROR_KEYS = {"message", "type", "param", "code"}


def assert_openai_error(response, case) -> None:
    where = f"{case.method} {case.formatted_path} body={str(case.body)[:300]} query={case.query}" if case else "-"
    assert response.status_code < 500, f"{response.status_code} from {where}: {response.text[:500]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, (where, body)
        err = body["error"]
        assert isinstance(err["message"], str) and err["message"] and isinstance(err["type"], str), (where, err)
        assert err["param"] is None or isinstance(err["param"], str), (where, err)
        assert err["code"] is None or isinstance(err["code"], str), (where, err)


def point_at_real_things(case, served: str, items: list[str]) -> None:
    """Name a served model, a shown comparison item, a label file, where the request has such a field."""
    body = case.body
    if isinstance(body, dict):
        if "model" in body:
            body["model"] = served
        if isinstance(body.get("sides"), list):
            for side in body["sides"]:
                if isinstance(side, dict) and "model" in side:
                    side["model"] = served
        if "item" in body and items:
            body["item"] = items[-1]
    if case.path_parameters and "name" in case.path_parameters:
        case.path_parameters["name"] = "pairs" if served == "tiny" else "unpaired"


def fuzz(app, n_examples: int) -> dict:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    cases = st.one_of(schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE))
    seen: dict[str, int] = {}
    items: list[str] = []  # comparison items the fuzz has been shown, for /ui/api/label to judge

    @settings(max_examples=n_examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases, served=st.sampled_from(["tiny", "tiny-b", None]))
    def one(case, served):
        if served:
            point_at_real_things(case, served, items)
        response = case.call()
        if case.operation.path == "/ui/api/pair" and response.status_code == 200:
            items.append(response.json()["item"])
        assert_openai_error(response, case)
        if 200 <= response.status_code < 300 and "json" in response.headers.get("content-type", ""):
            case.operation.validate_response(response)
        key = f"{case.method} {case.operation.path} {response.status_code}"
        seen[key] = seen.get(key, 0) + 1

    one()
    return seen


def assert_off_schema_requests_are_openai_errors(app) -> None:
    """What the schema does not describe: unknown paths, and methods a path does not have."""
    with TestClient(app) as client:
        doc = client.get("/openapi.json").json()
        for path, ops in doc["paths"].items():
            url = path.replace("{name}", "pairs")
            for method in {"get", "post", "put", "delete", "patch"} - set(ops):
                r = client.request(method.upper(), url)
                assert r.status_code == 405, (method, path, r.status_code)
                assert_openai_error(r, None)
        for url in ("/v1/nope", "/ui/api/nope", "/v1/chat/completions/x"):
            r = client.get(url)
            assert r.status_code == 404, (url, r.status_code)
            assert_openai_error(r, None)


def assert_alive(app) -> None:
    pool = ThreadPoolExecutor(1)
    try:  # a server that hangs fails here rather than hanging the run
        pool.submit(_serves_a_chat, app).result(timeout=120)
    finally:
        pool.shutdown(wait=False)


def _serves_a_chat(app) -> None:
    with TestClient(app) as client:
        assert client.get("/health").json()["status"] == "ok"
        r = client.post("/v1/chat/completions", json={"model": "tiny", "max_tokens": 2,
                                                      "messages": [{"role": "user", "content": "What is 2 plus 3?"}]})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["finish_reason"] in ("stop", "length")


def run(served, tmp_path, n_examples: int) -> dict:
    app = build_app(served, LabelStore(tmp_path / "labels"),
                    limits=Limits(max_tokens=8, max_n=2, default_max_tokens=8, max_body_bytes=20_000))
    seen = fuzz(app, n_examples)
    assert_off_schema_requests_are_openai_errors(app)
    assert_alive(app)
    print(json.dumps(dict(sorted(seen.items())), indent=0))
    return seen


def test_schema_fuzz_no_5xx_openai_errors_and_alive(served, tmp_path):
    seen = run(served, tmp_path, 150)
    assert sum(seen.values()) >= 100
    generated = ("POST /v1/chat/completions 200", "POST /v1/completions 200", "POST /ui/api/pair 200")
    assert sum(seen.get(k, 0) for k in generated) >= 3, seen  # the model did answer, not only refusals


@pytest.mark.fuzz
def test_schema_fuzz_full(served, tmp_path):
    seen = run(served, tmp_path, 1500)
    assert sum(seen.values()) >= 1000

