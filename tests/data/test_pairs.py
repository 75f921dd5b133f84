"""Shared-prompt batches compute what the naive layout computes: same per-sequence log-probs, same
gradients; and the token bookkeeping is right (prompt not counted, answers' first tokens predicted
from the prompt's last position)."""

import pytest
import torch

from posttrain.data.chat import render
from posttrain.data.pairs import collate_pairs, make_pair_rows, render_pairs
from posttrain.data.preference import Pair, load_pairs
from posttrain.model.hf import tiny_model
from posttrain.core.runtime import autocast
from posttrain.model.forward import sequence_logps


def _triples(tokenizer, pref_file, n=12):
    pairs = load_pairs(str(pref_file))[:n]
    # one multi-turn prompt with a system message, to cover prompts that contain assistant turns
    pairs.append(Pair([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2 plus 2?"},
                       {"role": "assistant", "content": "2 plus 2 is 4."}, {"role": "user", "content": "What is 3 plus 3?"}],
                      [{"role": "assistant", "content": "3 plus 3 is 6."}], [{"role": "assistant", "content": "3 plus 3 is 7."}]))
    return render_pairs(tokenizer, pairs, "chatml", 256)


def test_triple_counts_only_answers(tokenizer, pref_file):
    tr = _triples(tokenizer, pref_file)[-1]
    full = render(tokenizer, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2 plus 2?"},
                              {"role": "assistant", "content": "2 plus 2 is 4."}, {"role": "user", "content": "What is 3 plus 3?"},
                              {"role": "assistant", "content": "3 plus 3 is 6."}], "chatml", last_turn_only=True)
    assert tr.prompt + tr.first == full.ids
    assert [0] * len(tr.prompt) + tr.first_mask == full.mask  # the earlier assistant turn is prompt, not counted


def _logps_and_grads(model, batch, weights, dtype):
    model.zero_grad(set_to_none=True)
    with autocast(torch.device("cpu"), dtype):
        logps, counts = sequence_logps(model, batch)
    (logps * weights).sum().backward()
    return logps.detach(), counts, {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("kv_heads", [4, 2])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_prefix_shared_equals_naive(tokenizer, pref_file, kv_heads, dtype):
    model = tiny_model(tokenizer, hidden_size=64, layers=2, heads=4, num_key_value_heads=kv_heads).train()
    triples = _triples(tokenizer, pref_file)
    shared_rows = make_pair_rows(triples, 512, shared=True)
    # the same triples in the same order on both sides
    order = [t.index for row in shared_rows for t in row]
    by_index = {t.index: t for t in triples}
    naive_rows = [[by_index[i] for i in order]]
    shared = collate_pairs(shared_rows, tokenizer.pad_token_id, shared=True)
    naive = collate_pairs(naive_rows, tokenizer.pad_token_id, shared=False)
    assert shared.input_ids.numel() < naive.input_ids.numel()
    assert torch.equal(shared.targets, naive.targets)
    w = torch.linspace(-1, 1, shared.n_seqs)
    a, ca, ga = _logps_and_grads(model, shared, w, dtype)
    b, cb, gb = _logps_and_grads(model, naive, w, dtype)
    assert torch.equal(ca, cb)
    tol = 1e-5 if dtype == torch.float32 else 2e-2
    assert (a - b).abs().max() <= tol * b.abs().max()
    for n in gb:
        assert (ga[n] - gb[n]).abs().max() <= tol * gb[n].abs().max(), n


def test_sequence_logps_equal_plain_forward(tokenizer, pref_file):
    """The bookkeeping against the simplest possible computation: one conversation, full logits."""
    model = tiny_model(tokenizer, hidden_size=64, layers=2, heads=4).eval()
    triples = _triples(tokenizer, pref_file, n=3)
    batch = collate_pairs(make_pair_rows(triples, 512, shared=True), tokenizer.pad_token_id, shared=True)
    with torch.no_grad():
        logps, counts = sequence_logps(model, batch)
        order = [t for row in make_pair_rows(triples, 512, shared=True) for t in row]
        for k, tr in enumerate(order):
            for s, (cont, mask) in enumerate(((tr.first, tr.first_mask), (tr.second, tr.second_mask))):
                ids = torch.tensor([tr.prompt + cont])
                lp = torch.log_softmax(model(ids).logits[0, :-1].float(), -1)
                tgt = ids[0, 1:]
                m = torch.tensor([0] * (len(tr.prompt) - 1) + mask, dtype=torch.bool)
                ref = lp.gather(1, tgt[:, None]).squeeze(1)[m].sum()
                assert torch.allclose(logps[2 * k + s], ref, atol=1e-4), (k, s)
                assert counts[2 * k + s] == sum(mask)


def test_triple_stores_compactly_and_reads_back_lists():
    from posttrain.data.pairs import Triple

    t = Triple([1, 2], [3, 70000], [1, 1], [5], [1], label=False, index=7)
    assert (t.prompt, t.first, t.first_mask, t.second, t.second_mask) == ([1, 2], [3, 70000], [1, 1], [5], [1])
    assert (t.label, t.index, t.ref, t.size(True), t.size(False)) == (False, 7, None, 5, 7)


def test_unpaired_from_a_stream_pairs_each_with_the_next(tokenizer):
    """KTO's mismatched completion is the next example's (the last takes the first's), read in one pass."""
    from posttrain.data.pairs import render_unpaired
    from posttrain.data.preference import Unpaired

    exs = [Unpaired([{"role": "user", "content": f"What is {i} plus {i}?"}],
                    [{"role": "assistant", "content": f"{i} plus {i} is {2 * i}."}], i % 2 == 0) for i in range(1, 4)]
    from_list = render_unpaired(tokenizer, exs, "chatml", 64, quiet=True)
    from_stream = render_unpaired(tokenizer, iter(exs), "chatml", 64, quiet=True)
    for i, (a, b) in enumerate(zip(from_list, from_stream)):
        assert (a.prompt, a.first, a.second, a.label, a.index) == (b.prompt, b.first, b.second, b.label, b.index)
        assert a.second == from_list[(i + 1) % 3].first
