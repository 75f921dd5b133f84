"""The continuous batcher behind the ChatBackend protocol answers as the engine does (greedy: the same
texts as LocalChat), keeps the input order, and turns a refused request into a failed reply."""

from __future__ import annotations

import pytest

from posttrain.infer.backend import Sampling
from posttrain.infer.batcher import Batcher
from posttrain.infer.batcher_chat import BatcherChat
from posttrain.infer.generation import LocalChat

CONVS = [[{"role": "user", "content": text}] for text in ("Hi", "Tell me a long story about a cat please", "Why?")]


@pytest.fixture(scope="module")
def pair(tiny_dir):
    local = LocalChat.load(str(tiny_dir), "chatml", batch_size=2, dtype="fp32")
    batcher = Batcher(local.model, local.tokenizer, "fp32", max_rows=8)
    yield local, BatcherChat(batcher, "chatml", timeout=60)
    batcher.close()


def test_batcher_replies_equal_local_replies_in_order(pair):
    local, chat = pair
    s = Sampling(max_new_tokens=8)
    want = local.chat(CONVS, s)
    got = chat.chat(CONVS, s)
    assert [r.text for r in got] == [r.text for r in want]
    assert [r.finish_reason for r in got] == [r.finish_reason for r in want]
    assert not chat.errors


def test_n_replies_in_a_row_and_refused_request_fails_alone(pair):
    _, chat = pair
    too_long = [{"role": "user", "content": "word " * 5000}]
    got = chat.chat([CONVS[0], too_long], Sampling(max_new_tokens=4, n=2))
    assert len(got) == 4 and got[0].text == got[1].text is not None
    assert got[2].failed and got[3].failed
    assert "maximum context length" in chat.errors[-1]
