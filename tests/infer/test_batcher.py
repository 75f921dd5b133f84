"""Continuous batching: requests that join a running batch get the answer they would get alone."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from posttrain.infer.batcher import Batcher, Sampling
from posttrain.infer.engine import generate
from posttrain.infer.row_cache import RowCache
from posttrain.model.fast_decode import KVCache
from posttrain.model.hf import tiny_model


@pytest.fixture(scope="module")
def model(tokenizer):
    torch.manual_seed(0)
    return tiny_model(tokenizer, hidden_size=64, layers=2, heads=4).eval()


def prompts(tokenizer):
    texts = ["What is the capital of France?", "What is 3 plus 4?", "hello", "The capital of Peru is",
             "What is the capital of Japan? Answer the question.", "a"]
    return [tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]


def alone(model, tokenizer, prompt, max_new, **kw):
    return generate(model, [prompt], max_new_tokens=max_new, tokenizer=tokenizer, stop_ids=(), dtype="fp32", **kw)[0]


def test_row_cache_add_remove_compact():
    """Rows are right aligned to the filled length with zero padding; removal moves the last row in;
    running out of columns drops the leading columns no row attends to."""
    c = RowCache()
    one = lambda n, w, val: KVCache([torch.full((n, 1, w, 2), val)], [torch.full((n, 1, w, 2), val)], w)  # noqa: E731
    ones = lambda n, w: torch.ones((n, w), dtype=torch.long)  # noqa: E731
    col = lambda n: torch.zeros((n, 1), dtype=torch.long)  # noqa: E731
    c.add(one(2, 3, 1.0), ones(2, 3), col(2), col(2))
    c.add(one(1, 2, 2.0), ones(1, 2), col(1), col(1))  # shorter: left padded
    assert c.rows == 3 and c.length == 3
    assert c.k[0][2, 0, 0].abs().sum() == 0 and bool((c.k[0][2, 0, 1:3] == 2).all())
    assert c.mask[2, :3].tolist() == [0, 1, 1]
    c.add(one(1, 5, 3.0), ones(1, 5), col(1), col(1))  # longer: every row shifts right
    assert c.length == 5 and c.mask[0, :5].tolist() == [0, 0, 1, 1, 1] and bool((c.k[0][0, 0, 2:5] == 1).all())
    assert c.remove(0) == 3 and c.rows == 3 and bool((c.k[0][0, 0, :5] == 3).all())
    c.mask[:c.rows, :2] = 0  # nobody attends to the first two columns any more
    c.length = c.k[0].shape[2]
    cap = c.k[0].shape[2]
    c.mask[:c.rows, 2:cap] = 1
    c.reserve_column()
    assert c.k[0].shape[2] == 2 * cap  # only 2 free leading columns: grows instead
    c.mask[:c.rows, :cap] = 0
    c.mask[:c.rows, cap:] = 1
    c.length = c.k[0].shape[2]
    c.reserve_column()
    assert c.length == cap and c.k[0].shape[2] == 2 * cap  # half the columns were unused: compacted


def test_requests_joining_mid_batch_match_generate_alone(model, tokenizer):
    """Greedy answers are exactly those of a lone `generate`, whatever joined or left around them."""
    ps = prompts(tokenizer)
    lengths = [30, 5, 20, 3, 16, 9]
    b = Batcher(model, tokenizer, dtype="fp32", stop_ids=())
    assert b.continuous
    try:
        reqs = []
        for p, n in zip(ps, lengths):  # staggered: each arrives two steps after the last, while the first decodes
            before = b.steps
            reqs.append(b.submit(p, Sampling(max_new_tokens=n)))
            while b.steps < before + 2:
                time.sleep(0.001)
        got = [r.wait(60)[0] for r in reqs]
        assert b.peak_rows > 1  # they really shared steps
    finally:
        b.close()
    for p, n, c in zip(ps, lengths, got):
        ref = alone(model, tokenizer, p, n)
        assert c.ids == ref.ids and c.text == ref.text


def test_joining_at_every_step_and_n_choices(model, tokenizer):
    """A request admitted at each step of a long one; n>1 choices share a prefill, seeded sampling repeats."""
    ps = prompts(tokenizer)
    b = Batcher(model, tokenizer, dtype="fp32", stop_ids=())
    try:
        long = b.submit(ps[0], Sampling(max_new_tokens=40))
        joined = []
        while not long.done and len(joined) < 12:
            before = b.steps
            joined.append(b.submit(ps[len(joined) % len(ps)], Sampling(max_new_tokens=4 + len(joined) % 5)))
            while b.steps == before and not long.done:
                time.sleep(0.001)
        sampled = [b.submit(ps[2], Sampling(max_new_tokens=10, temperature=1.0, top_p=0.9, seed=7, n=3))
                   for _ in range(2)]
        results = [r.wait(60) for r in [long] + joined]
        s1, s2 = (r.wait(60) for r in sampled)
    finally:
        b.close()
    assert results[0][0].ids == alone(model, tokenizer, ps[0], 40).ids
    for i, (r, res) in enumerate(zip(joined, results[1:])):
        assert res[0].ids == alone(model, tokenizer, ps[i % len(ps)], 4 + i % 5).ids
    assert [c.ids for c in s1] == [c.ids for c in s2] and len(s1) == 3  # same seed, same samples
    assert len({tuple(c.ids) for c in s1}) > 1  # three different samples


def test_stops_stream_deltas_and_cancel(model, tokenizer):
    ps = prompts(tokenizer)
    ref = alone(model, tokenizer, ps[1], 30)
    stop_text = ref.text[len(ref.text) // 2: len(ref.text) // 2 + 3].strip() or ref.text[-2:]
    events = []
    b = Batcher(model, tokenizer, dtype="fp32", stop_ids=())
    try:
        r = b.submit(ps[1], Sampling(max_new_tokens=30, stop_strings=[stop_text]), emit=events.append)
        c = r.wait(60)[0]
        assert c.finish_reason == "stop" and stop_text not in c.text
        assert "".join(e[2] for e in events if e[0] == "delta") == c.text
        ref_stop = generate(model, [ps[1]], max_new_tokens=30, tokenizer=tokenizer, stop_ids=(),
                            stop_strings=[stop_text], dtype="fp32")[0]
        assert c.text == ref_stop.text
        # a cancelled request leaves the batch: the batcher goes idle long before 10,000 tokens
        slow = b.submit(ps[0], Sampling(max_new_tokens=900))
        time.sleep(0.05)
        slow.cancel()
        deadline = time.time() + 20
        while b.rows and time.time() < deadline:
            time.sleep(0.01)
        assert not b.rows and not slow.done
        assert b.generate(ps[3], Sampling(max_new_tokens=3), timeout=30)[0].ids == alone(model, tokenizer, ps[3], 3).ids
    finally:
        b.close()


def test_too_long_request_is_refused(model, tokenizer):
    b = Batcher(model, tokenizer, dtype="fp32")
    try:
        with pytest.raises(ValueError, match="maximum context length is 1024"):
            b.submit([1] * 1000, Sampling(max_new_tokens=100))
    finally:
        b.close()


def test_models_without_the_fast_decoder_batch_statically(tokenizer):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_embd=32, n_layer=2, n_head=2, n_positions=256)).eval()
    b = Batcher(model, tokenizer, dtype="fp32", stop_ids=())
    assert not b.continuous
    try:
        ps = prompts(tokenizer)[:3]
        reqs = [b.submit(p, Sampling(max_new_tokens=6)) for p in ps]
        out = [r.wait(60)[0] for r in reqs]
    finally:
        b.close()
    for p, c in zip(ps, out):
        assert c.ids == alone(model, tokenizer, p, 6).ids


def test_a_failing_step_fails_its_requests_not_the_batcher(model, tokenizer, monkeypatch):
    b = Batcher(model, tokenizer, dtype="fp32", stop_ids=())
    try:
        boom = threading.Event()
        real = b._prefill

        def flaky(admit):
            if not boom.is_set():
                boom.set()
                raise RuntimeError("injected")
            return real(admit)

        monkeypatch.setattr(b, "_prefill", flaky)
        with pytest.raises(RuntimeError, match="injected"):
            b.generate(prompts(tokenizer)[0], Sampling(max_new_tokens=3), timeout=30)
        assert len(b.generate(prompts(tokenizer)[0], Sampling(max_new_tokens=3), timeout=30)[0].ids) == 3
    finally:
        b.close()
