"""The chat backend protocol: a local model answers as `chat_generate` does (same texts for the same
seed), an endpoint's failures are typed replies, one function decides what a name means, and the one
batch-by-length loop gives completions back in input order."""

from __future__ import annotations

import types

import pytest

import posttrain.infer.generation as G
from posttrain.core.config import ConfigError
from posttrain.infer.backend import Reply, Sampling
from posttrain.infer.endpoint import EndpointChat, is_endpoint, open_backend, request_options
from posttrain.infer.engine import Completion
from posttrain.infer.generation import LocalChat, chat_generate, generate_batched

CONVS = [[{"role": "user", "content": text}] for text in ("Hi", "Tell me a long story about a cat please", "Why?")]


@pytest.fixture(scope="module")
def local(tiny_dir):
    return LocalChat.load(str(tiny_dir), "chatml", batch_size=2, dtype="fp32")


def test_local_replies_are_chat_generate_answers(local):
    s = Sampling(max_new_tokens=6, temperature=1.0, top_p=0.9, seed=5)
    replies = local.chat(CONVS, s)
    want = chat_generate(local.model, local.tokenizer, CONVS, "chatml", batch_size=2, max_new_tokens=6, temperature=1.0,
                         top_p=0.9, seed=5)
    assert [r.text for r in replies] == want
    assert all(r.finish_reason in ("stop", "length") and 1 <= r.tokens <= 6 for r in replies)
    assert local.chat(CONVS, s) == replies  # a seeded sampling reproduces its answers


def test_n_replies_per_conversation_in_a_row(local):
    replies = local.chat(CONVS[:2], Sampling(max_new_tokens=4, n=3))
    assert len(replies) == 6 and len({r.text for r in replies[:3]}) == 1  # greedy: n equal answers


def test_one_decision_for_what_a_name_means(tiny_dir):
    assert is_endpoint("http://127.0.0.1:8000/v1") and is_endpoint("https://api.example.com/v1")
    assert not is_endpoint(str(tiny_dir)) and not is_endpoint(None) and not is_endpoint("org/model")
    with pytest.raises(ConfigError, match="--critic_model"):
        open_backend("http://127.0.0.1:1/v1", None, model_flag="--critic_model")
    assert isinstance(open_backend("http://127.0.0.1:1/v1", "m"), EndpointChat)
    assert isinstance(open_backend(str(tiny_dir), None), LocalChat)


def test_request_options_send_what_differs_from_the_api_defaults():
    assert request_options(Sampling(max_new_tokens=9)) == {"temperature": 0.0, "max_tokens": 9}
    got = request_options(Sampling(temperature=0.7, top_p=0.9, seed=1, stop_strings=("###",)))
    assert got == {"temperature": 0.7, "max_tokens": 128, "top_p": 0.9, "seed": 1, "stop": ["###"]}


def test_an_endpoint_answers_typed_replies_and_keeps_failures(monkeypatch):
    chat = EndpointChat("http://127.0.0.1:1/v1", "m", workers=2)
    asked = []

    def create(model, messages, **options):
        asked.append((model, messages, options))
        if messages[0]["content"] == "Why?":
            raise TimeoutError("no answer")
        message = types.SimpleNamespace(content=f"re: {messages[0]['content']}")
        return types.SimpleNamespace(choices=[types.SimpleNamespace(message=message, finish_reason="stop")],
                                     usage=types.SimpleNamespace(completion_tokens=3))
    monkeypatch.setattr(chat, "client", types.SimpleNamespace(chat=types.SimpleNamespace(
        completions=types.SimpleNamespace(create=create))))
    replies = chat.chat(CONVS, Sampling(max_new_tokens=5))
    assert replies[0] == Reply("re: Hi", "stop", 3) and replies[2] == Reply(None) and replies[2].failed
    assert chat.errors == ["TimeoutError: no answer"] and asked[0][2] == {"temperature": 0.0, "max_tokens": 5}


@pytest.mark.parametrize("longest_first", [True, False])
def test_batches_run_by_length_and_come_back_in_order(monkeypatch, tokenizer, longest_first):
    batches = []

    def fake_generate(model, prompts, **kw):
        batches.append([len(p) for p in prompts])
        return [Completion(list(p), f"len {len(p)}") for p in prompts]
    monkeypatch.setattr(G, "generate", fake_generate)
    prompts = [[1] * n for n in (3, 1, 4, 1, 5)]
    got = generate_batched(None, tokenizer, prompts, batch_size=2, longest_first=longest_first)
    assert [c.text for c in got] == [f"len {len(p)}" for p in prompts]
    assert batches == ([[5, 4], [3, 1], [1]] if longest_first else [[1, 1], [3, 4], [5]])
