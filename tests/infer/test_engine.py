"""Engine equivalence tests: cached batched decoding == a naive full-forward loop, batched == alone,
stops, sampling controls, log-probs and streaming. All on the tiny fp32 model from conftest."""

from __future__ import annotations

import math

import pytest
import torch

from posttrain.infer import sampling
from posttrain.infer.engine import decode_steps, generate, stream
from posttrain.infer.sampling import filter_logits
from posttrain.infer.stopping import StopStrings, finish_row
from posttrain.infer.generation import chat_generate

TEXTS = ["What is 3 plus 4?", "The capital of France is", "hello"]
N = 12


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """A 2-layer model gains nothing from a second thread, and on a busy 2-core machine the OpenMP
    barriers make every small op ~10x slower; restored afterwards for the other test files."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def model(tiny_dir):
    from posttrain.model.hf import load_model

    return load_model(str(tiny_dir)).eval()


@pytest.fixture(scope="module")
def prompts(tokenizer):
    out = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in TEXTS]
    assert len({len(p) for p in out}) == 3  # different lengths: left padding is exercised
    return out


def naive(model, prompt, n):
    """Greedy without a cache: the full forward over prompt + generated so far, every step."""
    ids, all_logits = list(prompt), []
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor([ids])).logits[0, -1].float()
            all_logits.append(logits)
            ids.append(int(logits.argmax()))
    return ids[len(prompt):], all_logits


def test_cached_batched_equals_full_forward(model, prompts):
    steps = list(decode_steps(model, prompts, max_new_tokens=N, stop_ids=(), dtype="fp32"))
    assert len(steps) == N
    for row, prompt in enumerate(prompts):
        ref_ids, ref_logits = naive(model, prompt, N)
        assert [s.tokens[row] for s in steps] == ref_ids
        for s, ref in zip(steps, ref_logits):
            torch.testing.assert_close(s.logits[row], ref, atol=1e-4, rtol=0)


def test_batched_equals_alone_with_stops(model, prompts):
    free = generate(model, prompts, max_new_tokens=N, stop_ids=(), dtype="fp32")
    stop = free[0].ids[2]  # row 0 must stop at or before its 3rd token; others wherever `stop` occurs
    batched = generate(model, prompts, max_new_tokens=N, stop_ids=[stop], dtype="fp32")
    for p, b, f in zip(prompts, batched, free):
        alone = generate(model, [p], max_new_tokens=N, stop_ids=[stop], dtype="fp32")[0]
        assert b.ids == alone.ids and b.finish_reason == alone.finish_reason
        if stop in f.ids:  # the unstopped output cut after the first stop token
            assert b.ids == f.ids[: f.ids.index(stop) + 1] and b.finish_reason == "stop"
        else:
            assert b.ids == f.ids and b.finish_reason == "length"
    assert batched[0].finish_reason == "stop" and len(batched[0].ids) <= 3


# The random tiny model repeats itself under greedy decoding; seeded sampling gives varied text,
# and a batch of one replays exactly the same samples, so a stopped run is a prefix of a free one.
SAMPLED = {"max_new_tokens": N, "temperature": 1.0, "seed": 0, "dtype": "fp32"}


def later_substring(text: str) -> str:
    """A 3-character piece of `text` whose first occurrence starts at index >= 3."""
    for k in range(3, len(text) - 2):
        if text.find(text[k:k + 3]) == k:
            return text[k:k + 3]
    raise AssertionError(f"no usable stop string in {text!r}")


def test_stop_token_excluded_from_text(model, prompts, tokenizer):
    free = generate(model, prompts[:1], stop_ids=(), tokenizer=tokenizer, **SAMPLED)[0]
    stop = free.ids[4]
    c = generate(model, prompts[:1], stop_ids=[stop], tokenizer=tokenizer, **SAMPLED)[0]
    assert c.ids == free.ids[: free.ids.index(stop) + 1] and c.finish_reason == "stop"
    assert c.text == tokenizer.decode(c.ids[:-1], skip_special_tokens=True)


def test_stop_strings_trimmed(model, prompts, tokenizer):
    free = generate(model, prompts[:1], stop_ids=(), tokenizer=tokenizer, **SAMPLED)[0]
    s = later_substring(free.text)
    c = generate(model, prompts[:1], stop_ids=(), stop_strings=["never", s], tokenizer=tokenizer, **SAMPLED)[0]
    assert c.text == free.text[: free.text.find(s)] and len(c.text) >= 3 and c.finish_reason == "stop"
    assert c.ids == free.ids[: len(c.ids)] and len(c.ids) < N


def test_sampling_seeded_and_degenerate_filters(model, prompts):
    greedy = generate(model, prompts, max_new_tokens=N, stop_ids=(), dtype="fp32")
    kw = {"max_new_tokens": N, "stop_ids": (), "dtype": "fp32", "temperature": 1.0}
    a = generate(model, prompts, seed=7, **kw)
    b = generate(model, prompts, seed=7, **kw)
    assert [c.ids for c in a] == [c.ids for c in b]
    assert [c.ids for c in generate(model, prompts, top_k=1, seed=1, **kw)] == [c.ids for c in greedy]
    assert [c.ids for c in generate(model, prompts, top_p=1e-6, seed=1, **kw)] == [c.ids for c in greedy]


def test_logprobs_are_the_tempered_distribution(model, prompts):
    c = generate(model, prompts[:1], max_new_tokens=6, stop_ids=(), temperature=0.7, seed=3, dtype="fp32",
                 return_logprobs=True)[0]
    with torch.no_grad():
        logits = model(torch.tensor([prompts[0] + c.ids])).logits[0].float()
    start = len(prompts[0]) - 1
    want = [(logits[start + i] / 0.7).log_softmax(-1)[t].item() for i, t in enumerate(c.ids)]
    assert len(c.logprobs) == 6 and all(math.isclose(x, y, abs_tol=1e-4) for x, y in zip(c.logprobs, want))


def test_filter_logits_hand_values():
    """probs [.5, .3, .15, .05]: top_p=.7 keeps .5 (mass before 0) and .3 (mass before .5 < .7),
    drops .15 (mass before .8); top_k=2 keeps the same two; top_k=3 then top_p=.9 keeps three."""
    logits = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()
    kept = lambda x: torch.isfinite(x)[0].tolist()
    assert kept(filter_logits(logits, top_p=0.7)) == [True, True, False, False]
    assert kept(filter_logits(logits, top_k=2)) == [True, True, False, False]
    assert kept(filter_logits(logits, top_k=3, top_p=0.9)) == [True, True, True, False]
    assert kept(filter_logits(logits[:, [3, 1, 0, 2]], top_p=0.7)) == [False, True, True, False]  # any order


def test_stream_concatenation_equals_generate(model, prompts, tokenizer):
    full = generate(model, prompts[:1], stop_ids=(), tokenizer=tokenizer, **SAMPLED)[0]
    for stops in ([], [later_substring(full.text)]):
        want = generate(model, prompts[:1], stop_ids=(), stop_strings=stops, tokenizer=tokenizer, **SAMPLED)[0].text
        pieces = list(stream(model, tokenizer, prompts[0], stop_ids=(), stop_strings=stops, **SAMPLED))
        assert "".join(pieces) == want and len(want) >= 3
    assert len(list(stream(model, tokenizer, prompts[0], stop_ids=(), **SAMPLED))) > 1  # it streams


def test_stream_never_yields_partial_characters(monkeypatch, model, prompts, tokenizer):
    """A tokenizer whose decode shows a half-written character (U+FFFD) until the next token arrives."""
    real = tokenizer.decode

    def decode(ids, **kw):
        text = real(ids, **kw)
        return text + "\ufffd" if len(ids) % 2 else text

    monkeypatch.setattr(tokenizer, "decode", decode)
    pieces = list(stream(model, tokenizer, prompts[0], max_new_tokens=6, stop_ids=(), dtype="fp32"))
    assert all("\ufffd" not in p for p in pieces) and len(pieces) == 3


def test_chat_generate_restores_order(model, tokenizer):
    convs = [[{"role": "user", "content": q}] for q in ("hello", "What is the capital of Peru?", "What is 2 plus 2?")]
    answers = chat_generate(model, tokenizer, convs, max_new_tokens=5, dtype="fp32", batch_size=2)
    alone = [chat_generate(model, tokenizer, [c], max_new_tokens=5, dtype="fp32")[0] for c in convs]
    assert answers == alone


def test_bf16_autocast_runs(model, prompts):
    out = generate(model, prompts, max_new_tokens=3, stop_ids=(), dtype="bf16")
    assert [len(c.ids) for c in out] == [3, 3, 3] and all(c.finish_reason == "length" for c in out)


def test_greedy_equals_transformers_generate(model, prompts, tokenizer):
    """Same left-padded batch through `model.generate` (greedy, no early stop) gives the same tokens."""
    pad, width = tokenizer.pad_token_id, max(map(len, prompts))
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
    mask = (torch.arange(width)[None] >= torch.tensor([width - len(p) for p in prompts])[:, None]).long()
    with torch.no_grad():
        ref = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=N, min_new_tokens=N, do_sample=False,
                             pad_token_id=pad)[:, width:].tolist()
    assert [c.ids for c in generate(model, prompts, max_new_tokens=N, stop_ids=(), pad_id=pad, dtype="fp32")] == ref


def test_no_state_leaks_between_calls(model, prompts):
    """generate leaves grad mode and autocast as it found them, and a weight update between calls is
    seen by the next call (autocast's cache of bf16 weight copies does not outlive a call)."""
    import copy

    m = copy.deepcopy(model)
    kw = {"max_new_tokens": 4, "stop_ids": (), "dtype": "bf16"}
    generate(m, prompts, **kw)
    assert torch.is_grad_enabled() and not torch.is_autocast_enabled("cpu")
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(-1.5)
    assert [c.ids for c in generate(m, prompts, **kw)] == [c.ids for c in generate(copy.deepcopy(m), prompts, **kw)]


@pytest.mark.parametrize("top_k,top_p", [(0, 0.8), (3, 1.0), (3, 0.9), (0, 1.0), (0, 0.999), (6, 0.95)])
def test_candidate_sampling_has_the_filtered_distribution(monkeypatch, top_k, top_p):
    """The fast path (top-k candidates, inverse-CDF draw) samples what filter_logits + softmax defines;
    with 4 candidates, top_p=0.999 needs the retry with more candidates."""
    monkeypatch.setattr(sampling, "CANDIDATES", 4)
    logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0, -2.0, -3.0, -4.0]]).repeat(20000, 1)
    want = filter_logits(logits[:1], top_k, top_p).softmax(-1)[0]
    toks, _ = sampling.sample(logits, 1.0, top_k, top_p, torch.Generator().manual_seed(0), with_logprobs=False)
    freq = torch.bincount(toks, minlength=8).float() / len(toks)
    assert torch.allclose(freq, want, atol=0.015), (freq, want)
    assert (freq[want == 0] == 0).all()


def test_candidate_sampling_when_only_some_rows_need_more_candidates(monkeypatch):
    """Peaked rows close their nucleus within 4 candidates, flat ones do not and are retried alone:
    each kind still samples its own filtered distribution."""
    monkeypatch.setattr(sampling, "CANDIDATES", 4)
    peaked = torch.tensor([4.0, 2.0, 0.0, -1.0, -2.0, -2.0, -3.0, -3.0])
    flat = torch.tensor([0.3, 0.2, 0.1, 0.0, 0.0, -0.1, -0.2, -0.3])
    logits = torch.stack([peaked, flat]).repeat(20000, 1)
    toks, _ = sampling.sample(logits, 1.0, 0, 0.9, torch.Generator().manual_seed(0), with_logprobs=False)
    for start, row in ((0, peaked), (1, flat)):
        want = filter_logits(row[None], 0, 0.9).softmax(-1)[0]
        freq = torch.bincount(toks[start::2], minlength=8).float() / 20000
        assert torch.allclose(freq, want, atol=0.015), (freq, want)
        assert (freq[want == 0] == 0).all()


def test_stop_string_that_is_a_special_token_fires(tokenizer):
    """Old code decoded without special tokens, so a stop string like `<|user|>` never matched."""
    special = tokenizer.convert_tokens_to_ids("<|user|>")
    ids = tokenizer("hello world", add_special_tokens=False)["input_ids"] + [special]
    stops = StopStrings(tokenizer, ["never", "<|user|>"], 1)
    assert [stops(0, t) for t in ids] == [False] * (len(ids) - 1) + [True]
    text, reason = finish_row(tokenizer, stops.ids[0], (), ["never", "<|user|>"], stops.hit[0])
    assert (text, reason) == ("hello world", "stop")


class CountingTokenizer:
    """Wraps a tokenizer and records how many ids each `decode` call is given."""

    def __init__(self, tok):
        self.tok, self.lengths = tok, []

    def decode(self, ids, **kw):
        self.lengths.append(len(ids))
        return self.tok.decode(ids, **kw)

    def __getattr__(self, name):
        return getattr(self.tok, name)


def test_stop_check_work_does_not_grow_with_length(model, prompts, tokenizer):
    """Old code re-decoded the whole generated row every step: sum of lengths ~ n²/2 (here 40·41/2)."""
    counting = CountingTokenizer(tokenizer)
    n = 40
    c = generate(model, prompts[:1], max_new_tokens=n, stop_ids=(), stop_strings=["never"], tokenizer=counting,
                 dtype="fp32")[0]
    assert len(c.ids) == n and c.finish_reason == "length"
    per_step = counting.lengths[:-1]  # the last call decodes the finished row once, for its text
    assert len(per_step) == n and max(per_step) <= len("never") + 2
    assert c.text == tokenizer.decode(c.ids, skip_special_tokens=True)
