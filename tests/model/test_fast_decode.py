"""The lean Llama-family / Gemma 3 decoder against the `transformers` forward it replaces: same logits (fp32)
after a left-padded prefill and several cached steps, for each architecture it accepts, with LoRA
folded in or disabled; the engine gives the same tokens and log-probs on either backend."""

from __future__ import annotations

import pytest
import torch
import transformers as T

from posttrain.infer.engine import generate
from posttrain.model.fast_decode import FastDecoder, unsupported
from posttrain.nn.lora import disable_adapters, inject_lora

V = 97
BASE = dict(vocab_size=V, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=512)
ARCHS = {
    "llama-bias": lambda: T.LlamaForCausalLM(T.LlamaConfig(**BASE, attention_bias=True, mlp_bias=True)),
    "llama-rope-scaling": lambda: T.LlamaForCausalLM(T.LlamaConfig(**BASE, rope_scaling={
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 64})),
    "qwen2": lambda: T.Qwen2ForCausalLM(T.Qwen2Config(**BASE)),
    "qwen3": lambda: T.Qwen3ForCausalLM(T.Qwen3Config(**BASE, head_dim=16)),
    "mistral": lambda: T.MistralForCausalLM(T.MistralConfig(**BASE, sliding_window=None)),
    "gemma3": lambda: T.Gemma3ForCausalLM(T.Gemma3TextConfig(
        **{**BASE, "max_position_embeddings": 512}, head_dim=16, sliding_window=256,
        layer_types=["sliding_attention", "full_attention"])),
    "tied-mha": lambda: T.LlamaForCausalLM(T.LlamaConfig(**{**BASE, "num_key_value_heads": 4},
                                                         tie_word_embeddings=True)),
}


def _make(name):
    torch.manual_seed(0)
    model = ARCHS[name]().eval()
    with torch.no_grad():  # random biases and norm weights, so a dropped one would show
        for n, p in model.named_parameters():
            if n.endswith("bias") or "norm" in n:
                p.normal_(0.5 if "norm" in n else 0.0, 0.2)
    return model


def _batch():
    torch.manual_seed(1)
    ids = torch.randint(1, V, (3, 7))
    mask = torch.ones(3, 7, dtype=torch.long)
    mask[0, :3] = 0
    mask[1, :1] = 0
    return ids, mask, (mask.cumsum(-1) - 1).clamp(min=0)


def _compare(model, decoder, steps=4):
    """Max |logit difference| between `decoder` and the model's own cached forward over a prefill
    and `steps` one-token steps, dropping a row halfway as the engine does."""
    cache = T.DynamicCache(config=model.config)
    ids, mask, pos = _batch()
    worst = 0.0
    with torch.no_grad():
        for step in range(steps + 1):
            ref = model(input_ids=ids, attention_mask=mask, position_ids=pos, cache=cache, use_cache=True).logits[:, -1]
            worst = max(worst, (ref - decoder.forward(ids, mask, pos)).abs().max().item())
            ids = torch.randint(1, V, (ids.shape[0], 1))
            mask = torch.cat([mask, mask.new_ones(ids.shape[0], 1)], dim=-1)
            pos = pos[:, -1:] + 1
            if step == 1:
                keep = torch.tensor([0, 2])
                cache.batch_select_indices(keep)
                decoder.select(keep)
                ids, mask, pos = ids[keep], mask[keep], pos[keep]
    return worst


@pytest.mark.parametrize("name", sorted(ARCHS))
def test_logits_match_the_transformers_forward(name):
    model = _make(name)
    assert unsupported(model, total_len=64) is None
    assert _compare(model, FastDecoder(model, torch.float32)) < 1e-5


def test_lora_is_folded_in_and_disabling_it_gives_the_base():
    model = _make("qwen2")
    base_logits = model(input_ids=_batch()[0]).logits
    inject_lora(model, r=4, alpha=8)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.5)  # B starts at zero: make the adapter do something
    assert (model(input_ids=_batch()[0]).logits - base_logits).abs().max() > 1e-2
    assert unsupported(model) is None
    assert _compare(model, FastDecoder(model, torch.float32)) < 1e-5
    with disable_adapters(model):
        assert _compare(model, FastDecoder(model, torch.float32)) < 1e-5


def test_prefill_after_steps_and_cache_growth():
    """A second multi-token forward after cached steps (causal mask offset by the cache), and a cache
    grown past its first capacity, still match."""
    model = _make("llama-bias")
    dec = FastDecoder(model, torch.float32)
    ids, mask, pos = _batch()
    long_ids = torch.cat([ids, torch.randint(1, V, (3, 70))], dim=-1)
    long_mask = torch.cat([mask, mask.new_ones(3, 70)], dim=-1)
    long_pos = (long_mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        ref = model(input_ids=long_ids, attention_mask=long_mask, position_ids=long_pos).logits[:, -1]
        dec.forward(ids, mask, pos)
        for j in range(7, 77, 10):  # chunks of 10 new tokens on top of the cache
            got = dec.forward(long_ids[:, j:j + 10], long_mask[:, :j + 10], long_pos[:, j:j + 10])
    assert dec.k[0].shape[2] >= 77
    assert (ref - got).abs().max() < 1e-5


def test_engine_backends_agree(tiny_dir):
    """Same tokens and log-probs from either backend: greedy, sampled with n samples per prompt, and
    with stop tokens that drop rows at different steps."""
    from posttrain.model.hf import load_model

    model = load_model(str(tiny_dir)).eval()
    assert unsupported(model) is None
    prompts = [[5, 6, 7, 8, 9], [10, 11], [12, 13, 14]]
    common = dict(max_new_tokens=20, stop_ids=(), return_logprobs=True, dtype="fp32")
    for kw in (dict(temperature=0.0), dict(temperature=1.0, top_p=0.9, seed=3, n=3)):
        fast = generate(model, prompts, backend="fast", **common, **kw)
        slow = generate(model, prompts, backend="transformers", **common, **kw)
        assert [c.ids for c in fast] == [c.ids for c in slow]
        for f, s in zip(fast, slow):
            assert max(abs(a - b) for a, b in zip(f.logprobs, s.logprobs)) < 1e-4
    stops = sorted({c.ids[k] for c in slow for k in (2, 6)})  # tokens seen early: rows finish at different steps
    fast = generate(model, prompts, backend="fast", **{**common, "stop_ids": stops}, temperature=1.0, seed=3, n=3)
    slow = generate(model, prompts, backend="transformers", **{**common, "stop_ids": stops}, temperature=1.0, seed=3,
                    n=3)
    assert [c.ids for c in fast] == [c.ids for c in slow]
    assert len({len(c.ids) for c in fast}) > 1


def test_what_it_refuses():
    gpt2 = T.GPT2LMHeadModel(T.GPT2Config(vocab_size=V, n_embd=32, n_layer=1, n_head=2))
    assert "gpt2" in unsupported(gpt2)
    gemma = ARCHS["gemma3"]()
    assert unsupported(gemma, total_len=256) is None and "sliding window" in unsupported(gemma, total_len=257)
    windowed = T.MistralForCausalLM(T.MistralConfig(**BASE, sliding_window=32))
    assert unsupported(windowed, total_len=32) is None  # the window is never crossed
    assert "sliding window" in unsupported(windowed, total_len=33)
    from posttrain.core.runtime import cpu_has_fast_bf16

    reason = unsupported(_make("qwen2"), dtype=torch.bfloat16)
    assert (reason is None) == cpu_has_fast_bf16() and unsupported(_make("qwen2"), dtype=torch.float32) is None
    with pytest.raises(ValueError, match="fast decoder cannot run"):
        generate(gpt2, [[1, 2, 3]], max_new_tokens=2, backend="fast")
    with pytest.raises(ValueError, match="backend must be"):
        generate(windowed, [[1, 2, 3]], max_new_tokens=2, backend="vllm")
