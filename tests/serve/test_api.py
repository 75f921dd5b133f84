"""The official `openai` client against a live server on loopback."""

from __future__ import annotations

import asyncio
import time

import httpx
import openai
import pytest
import torch
from serve_helpers import start

from posttrain.data.chat import render_prompt
from posttrain.commands.cli import main
from posttrain.infer.batcher import Sampling
from posttrain.infer.engine import generate
from posttrain.nn.lora import inject_lora, merge_lora, save_adapter
from posttrain.model.hf import load_model
from posttrain.serve.run import load_served

Q = [{"role": "user", "content": "What is the capital of France?"}]


def client(live, key="none"):
    return openai.OpenAI(base_url=live.url + "/v1", api_key=key, max_retries=0, timeout=60)


def reference(served, messages, max_new, **kw):
    s = served["tiny"]
    ids = render_prompt(s.tokenizer, messages, s.template)
    return generate(s.batcher.model, [ids], max_new_tokens=max_new, tokenizer=s.tokenizer, dtype="fp32", **kw)[0], ids


def test_models_and_a_plain_chat_completion(live, served):
    c = client(live)
    assert sorted(m.id for m in c.models.list()) == ["tiny", "tiny-b"]
    r = c.chat.completions.create(model="tiny", messages=Q, max_tokens=12, temperature=0)
    ref, ids = reference(served, Q, 12)
    assert r.choices[0].message.content == ref.text and r.choices[0].message.role == "assistant"
    assert r.choices[0].finish_reason == ref.finish_reason
    assert r.usage.prompt_tokens == len(ids) and r.usage.completion_tokens == len(ref.ids)
    assert r.usage.total_tokens == len(ids) + len(ref.ids) and r.model == "tiny"


def test_streamed_equals_plain_and_reports_usage(live):
    c = client(live)
    plain = c.chat.completions.create(model="tiny", messages=Q, max_tokens=20, temperature=0)
    chunks = list(c.chat.completions.create(model="tiny", messages=Q, max_tokens=20, temperature=0, stream=True,
                                            stream_options={"include_usage": True}))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == plain.choices[0].message.content
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices and ch.choices[0].finish_reason] == \
        [plain.choices[0].finish_reason]
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens


def test_n_seed_stop_and_completions(live, served):
    c = client(live)
    r = c.chat.completions.create(model="tiny", messages=Q, max_tokens=10, temperature=1.0, n=3, seed=5)
    r2 = c.chat.completions.create(model="tiny", messages=Q, max_tokens=10, temperature=1.0, n=3, seed=5)
    assert [ch.index for ch in r.choices] == [0, 1, 2]
    assert [ch.message.content for ch in r.choices] == [ch.message.content for ch in r2.choices]
    for seed in range(20):  # a seeded sample with a word in it to stop at (the server draws the same tokens)
        ref, _ = reference(served, Q, 30, temperature=1.0, seed=seed)
        words = [w for w in ref.text.split() if len(w) >= 2 and w.isascii() and w.isalpha()]
        if words:
            break
    stop = words[len(words) // 2][:2]
    r = c.chat.completions.create(model="tiny", messages=Q, max_tokens=30, temperature=1.0, seed=seed, stop=[stop])
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.content == ref.text[:ref.text.find(stop)]
    done = c.completions.create(model="tiny", prompt=["The capital of", "What is"], max_tokens=6, temperature=0, n=2)
    assert len(done.choices) == 4 and done.choices[0].text == done.choices[1].text  # greedy: both choices alike
    streamed = list(c.completions.create(model="tiny", prompt="The capital of", max_tokens=6, temperature=0, stream=True))
    assert "".join(ch.choices[0].text for ch in streamed) == done.choices[0].text


def test_bad_requests_get_openai_errors(live):
    c = client(live)
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        c.chat.completions.create(model="nope", messages=Q)
    for kw, match in [({"temperature": 5}, "temperature"), ({"max_tokens": 5000}, "max_tokens"),
                      ({"n": 99}, "'n'"), ({"messages": []}, "messages"),
                      ({"messages": [{"role": "wizard", "content": "x"}]}, "role"),
                      ({"messages": [{"role": "user", "content": "word " * 1100}]}, "maximum context length is 1024")]:
        with pytest.raises(openai.BadRequestError, match=match):
            c.chat.completions.create(**{"model": "tiny", "messages": Q, **kw})
    bad = httpx.post(live.url + "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "malformed JSON" in bad.json()["error"]["message"]
    assert httpx.post(live.url + "/v1/chat/completions", content=b"[1, 2]").status_code == 400
    big = httpx.post(live.url + "/v1/chat/completions", content=b"x" * 300_000)
    assert big.status_code == 413 and big.json()["error"]["message"].startswith("request body is")
    missing = httpx.get(live.url + "/v1/nothing")
    assert missing.status_code == 404 and "error" in missing.json()
    assert httpx.post(live.url + "/v1/completions", json={"model": "tiny", "prompt": [99999]}).status_code == 400
    # the server is still fine
    assert c.chat.completions.create(model="tiny", messages=Q, max_tokens=2).choices[0].message.content is not None


def test_api_key_guards_the_api_and_the_page_data(served, tmp_path):
    server, _ = start(served, tmp_path, api_key="sekrit")
    try:
        with pytest.raises(openai.AuthenticationError):
            client(server, "wrong").models.list()
        assert [m.id for m in client(server, "sekrit").models.list()] == ["tiny", "tiny-b"]
        assert httpx.get(server.url + "/ui/api/review").status_code == 401
        assert httpx.get(server.url + "/ui/api/review", headers={"Authorization": "Bearer sekrit"}).status_code == 200
    finally:
        server.stop()


def test_a_disconnected_stream_frees_its_row(live, served):
    batcher = served["tiny"].batcher
    with httpx.stream("POST", live.url + "/v1/chat/completions", timeout=30,
                      json={"model": "tiny", "messages": Q, "max_tokens": 900, "temperature": 1.0, "stream": True}) as r:
        for i, _ in enumerate(r.iter_lines()):
            if i > 3:
                break
    deadline = time.time() + 20
    while batcher.rows and time.time() < deadline:
        time.sleep(0.02)
    assert not batcher.rows, "the abandoned request still decodes"


def test_64_concurrent_clients_no_errors(live, served):
    """Load: 64 clients for a bounded time, each sending request after request."""
    async def one(http, k, stop_at, counts):
        while time.monotonic() < stop_at:
            body = {"model": "tiny" if k % 2 else "tiny-b", "messages": [{"role": "user", "content": f"What is {k} plus 1?"}],
                    "max_tokens": 4 + k % 7, "temperature": 0.7, "stream": k % 3 == 0}
            r = await http.post("/v1/chat/completions", json=body)
            ok = r.status_code == 200 and (b"[DONE]" in r.content if body["stream"] else "choices" in r.json())
            counts["ok" if ok else "error"] += 1

    async def run():
        counts = {"ok": 0, "error": 0}
        async with httpx.AsyncClient(base_url=live.url, timeout=120, limits=httpx.Limits(max_connections=64)) as http:
            stop_at = time.monotonic() + 6
            await asyncio.gather(*(one(http, k, stop_at, counts) for k in range(64)))
        return counts

    peak_before = served["tiny"].batcher.peak_rows
    counts = asyncio.run(run())
    assert counts["error"] == 0 and counts["ok"] >= 64
    assert max(served["tiny"].batcher.peak_rows, peak_before) > 8  # requests really shared decoding steps


def test_serve_refuses_a_public_host_without_a_key(tiny_dir, capsys):
    assert main(["serve", str(tiny_dir), "--host", "0.0.0.0"]) == 2
    assert "--api-key" in capsys.readouterr().err
    assert main(["serve", "a=x", "a=y"]) == 2


def test_an_adapter_folder_is_served_merged(tiny_dir, tmp_path, tokenizer):
    """A PEFT-layout adapter folder is a model id like any other; its answers are the merged model's."""
    model = load_model(str(tiny_dir))
    inject_lora(model, r=4, alpha=8)
    torch.manual_seed(1)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            p.data.normal_(0, 0.5)  # a non-zero delta, so the adapter changes the answers
    save_adapter(model, tmp_path / "adapter", base_model_name_or_path=str(tiny_dir))
    tokenizer.save_pretrained(tmp_path / "adapter")
    served = load_served({"ad": str(tmp_path / "adapter")}, dtype="fp32")
    try:
        s = served["ad"]
        assert s.batcher.continuous
        ids = render_prompt(s.tokenizer, Q, s.template)
        got = s.batcher.generate(ids, Sampling(max_new_tokens=8), timeout=60)[0]
        merged = merge_lora(model).eval()
        assert got.ids == generate(merged, [ids], max_new_tokens=8, tokenizer=s.tokenizer, dtype="fp32")[0].ids
    finally:
        served["ad"].batcher.close()
