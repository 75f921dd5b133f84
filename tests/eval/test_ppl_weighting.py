"""Perplexity is token-weighted: exp(Σ NLL / Σ tokens) over all batches, not a mean of per-batch means.

By hand, for examples i with trained-token NLLs ℓ_i,t (token t predicted from tokens < t):
    ppl = exp( Σ_i Σ_t ℓ_i,t / Σ_i n_i )
whereas averaging batch means gives exp( (1/k) Σ_i (Σ_t ℓ_i,t / n_i) ), which differs when the
examples have different lengths and different mean NLLs.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from posttrain.data.chat import Rendered
from posttrain.eval.perplexity import perplexity, text_examples, total_nll
from posttrain.model.hf import tiny_model


@pytest.fixture(scope="module")
def sharp_model(tokenizer):
    model = tiny_model(tokenizer, seed=1)
    with torch.no_grad():  # larger (tied) embeddings → peaked logits, so per-example mean NLLs differ a lot
        model.get_input_embeddings().weight.mul_(40)
    return model.eval()


def hand_nll(model, ex: Rendered) -> tuple[float, int]:
    ids = torch.tensor([ex.ids])
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0].float()           # (T, V)
    losses = F.cross_entropy(logits[:-1], ids[0, 1:], reduction="none")  # loss of token t+1 given ≤ t
    keep = torch.tensor(ex.mask[1:], dtype=torch.bool)
    return float(losses[keep].sum()), int(keep.sum())


def test_perplexity_is_token_weighted(tokenizer, sharp_model):
    ids = tokenizer("What is the capital of Peru? The capital of Peru is Lima.", add_special_tokens=False)["input_ids"]
    short = Rendered(ids[:4], [0, 1, 1, 1])
    long = Rendered(ids, [0] * 3 + [1] * (len(ids) - 3))          # first three tokens not scored
    (s1, n1), (s2, n2) = hand_nll(sharp_model, short), hand_nll(sharp_model, long)
    assert (n1, n2) == (3, len(ids) - 3)

    token_weighted = math.exp((s1 + s2) / (n1 + n2))
    mean_of_means = math.exp((s1 / n1 + s2 / n2) / 2)
    assert abs(token_weighted - mean_of_means) / token_weighted > 0.05  # the two really differ here

    # batch_size=1: two batches of different lengths
    nll, n = total_nll(sharp_model, [short, long], tokenizer.pad_token_id, batch_size=1, dtype="fp32")
    assert n == n1 + n2 and nll == pytest.approx(s1 + s2, rel=1e-4)
    assert perplexity(sharp_model, [short, long], tokenizer.pad_token_id, batch_size=1, dtype="fp32") == pytest.approx(token_weighted, rel=1e-4)
    # one padded batch of both gives the same number: padding is neither attended to nor scored
    assert perplexity(sharp_model, [short, long], tokenizer.pad_token_id, batch_size=2, dtype="fp32") == pytest.approx(token_weighted, rel=1e-4)


def test_text_examples_cap_and_rows(tokenizer):
    rows = text_examples(tokenizer, "the capital of Peru is Lima. " * 20, seq_len=8, max_tokens=20)
    assert [len(r.ids) for r in rows] == [8, 8, 4]
    assert all(r.mask == [0] + [1] * (len(r.ids) - 1) for r in rows)
