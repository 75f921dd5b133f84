"""Per-document attention for packed rows == the block-diagonal mask of `transformers`' own sdpa path:
same loss, same gradients, in fp32 and under bf16 autocast, with grouped-query attention too."""

import pytest
import torch

from posttrain.nn.attention import NAME, doc_layout, usable
from posttrain.data.batching import collate_packed, pack, render_all
from posttrain.data.formats import load_conversations
from posttrain.model.hf import tiny_model
from posttrain.core.runtime import autocast
from posttrain.model.forward import lm_loss


def test_layout_hand_checked():
    pos = torch.tensor([[0, 1, 2, 0, 1, 0], [0, 1, 2, 3, 0, 1]])
    lay = doc_layout(pos)
    assert lay.max_len == 4
    # documents: row 0 → [0,1,2], [3,4], [5]; row 1 → [6,7,8,9], [10,11]; padding slots repeat the start
    assert lay.gather.tolist() == [[0, 1, 2, 0], [3, 4, 3, 3], [5, 5, 5, 5], [6, 7, 8, 9], [10, 11, 10, 10]]
    assert lay.scatter.tolist() == [0, 1, 2, 4, 5, 8, 12, 13, 14, 15, 16, 17]


def _loss_and_grads(model, batch, dtype):
    model.zero_grad(set_to_none=True)
    with autocast(torch.device("cpu"), dtype):
        loss = lm_loss(model, batch)
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("kv_heads", [4, 2])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_docs_attention_equals_block_mask(tokenizer, sft_file, kv_heads, dtype):
    model = tiny_model(tokenizer, hidden_size=64, layers=2, heads=4, num_key_value_heads=kv_heads).train()
    ex = render_all(tokenizer, load_conversations(str(sft_file))[:16], "plain", 64)
    batch = collate_packed(pack(ex, 128), tokenizer.pad_token_id)
    assert doc_layout(batch.position_ids).gather.shape[0] > batch.input_ids.shape[0]  # really packed
    # reference: transformers' sdpa with the block-diagonal mask it derives from position ids
    model.config._attn_implementation = "sdpa"
    ref_loss, ref = _reference(model, batch, dtype)
    loss, got = _loss_and_grads(model, batch, dtype)
    assert model.config._attn_implementation == NAME
    tol = 1e-5 if dtype == torch.float32 else 3e-2  # relative to each tensor's largest entry
    assert abs(float(loss - ref_loss)) <= tol * abs(float(ref_loss)), (loss, ref_loss)
    assert ref.keys() == got.keys()
    for n in ref:
        assert (got[n] - ref[n]).abs().max() <= tol * ref[n].abs().max(), n


def _reference(model, batch, dtype):
    """The same step through transformers' sdpa path (no document layout passed)."""
    from posttrain.model.forward import shifted_targets
    from posttrain.nn.logprobs import linear_cross_entropy
    from posttrain.model.hf import lm_parts

    decoder, head, cap = lm_parts(model)
    model.zero_grad(set_to_none=True)
    with autocast(torch.device("cpu"), dtype):
        h = decoder(input_ids=batch.input_ids, position_ids=batch.position_ids, use_cache=False).last_hidden_state
        hs, y = shifted_targets(h, batch.input_ids, batch.target_mask)
        loss = linear_cross_entropy(hs, head.weight, y, softcap=cap)
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_not_used_where_it_would_differ(tokenizer):
    model = tiny_model(tokenizer, hidden_size=32, layers=1, heads=2)
    lay = doc_layout(torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7]]))
    assert usable(model.config, lay.max_len)
    model.config.sliding_window = 4  # a window shorter than a document needs the model's own mask
    assert not usable(model.config, lay.max_len)
    model.config.sliding_window = None
    model.config._attn_implementation = "eager"
    assert not usable(model.config, lay.max_len)
