"""The lean RMSNorm and gated MLP against the `transformers` modules they replace: same loss and the
same gradient for every parameter, in fp32 and under bf16 autocast, with layers frozen and with LoRA;
and they keep fewer bytes for backward (counted with saved-tensor hooks)."""

from __future__ import annotations

import copy

import pytest
import torch
import transformers as T

from posttrain.model import lean_layers
from posttrain.nn.lora import inject_lora

V = 97
BASE = dict(vocab_size=V, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=512)
ARCHS = {
    "llama": lambda: T.LlamaForCausalLM(T.LlamaConfig(**BASE)),
    "qwen3": lambda: T.Qwen3ForCausalLM(T.Qwen3Config(**BASE, head_dim=16)),
    "gemma3": lambda: T.Gemma3ForCausalLM(T.Gemma3TextConfig(
        **BASE, head_dim=16, sliding_window=256, layer_types=["sliding_attention", "full_attention"])),
}


def _pair(name):
    torch.manual_seed(0)
    ref = ARCHS[name]().train()
    with torch.no_grad():  # non-trivial norm weights, so a wrong weight offset would show
        for n, p in ref.named_parameters():
            if "norm" in n:
                p.normal_(0.3, 0.2)
    lean = copy.deepcopy(ref)
    return ref, lean


def _loss(model, dtype=torch.float32):
    torch.manual_seed(1)
    ids = torch.randint(0, V, (2, 24))
    with torch.autocast("cpu", dtype=dtype, enabled=dtype != torch.float32):
        return model(input_ids=ids, labels=ids).loss


@pytest.mark.parametrize("name", list(ARCHS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_same_loss_and_gradients_as_transformers(name, dtype):
    ref, lean = _pair(name)
    n_norms = sum(type(m).__name__.endswith("RMSNorm") for m in ref.modules())
    assert lean_layers.install(lean) == n_norms + BASE["num_hidden_layers"]
    assert lean_layers.install(lean) == 0  # idempotent
    a, b = _loss(ref, dtype), _loss(lean, dtype)
    a.backward()
    b.backward()
    tol = 1e-5 if dtype == torch.float32 else 2e-2
    assert torch.allclose(a, b, atol=tol, rtol=tol)
    for (n, p), q in zip(ref.named_parameters(), lean.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=tol, rtol=tol * 5), n


def test_frozen_layers_and_lora_get_the_same_gradients():
    ref, lean = _pair("llama")
    for m in (ref, lean):
        m.model.layers[0].requires_grad_(False)
        m.model.embed_tokens.requires_grad_(False)
        torch.manual_seed(2)
        inject_lora(m, 4, 8.0, 0.0, ["q_proj", "v_proj", "gate_proj", "up_proj", "down_proj"])
    lean_layers.install(lean)
    _loss(ref).backward()
    _loss(lean).backward()
    pairs = [(n, p, q) for (n, p), q in zip(ref.named_parameters(), lean.parameters()) if p.requires_grad]
    assert any("lora" in n for n, _, _ in pairs)
    for n, p, q in pairs:
        assert torch.allclose(p.grad, q.grad, atol=1e-5, rtol=1e-4), n


def test_no_grad_runs_the_original_forward():
    ref, lean = _pair("gemma3")
    lean_layers.install(lean)
    ids = torch.randint(0, V, (1, 10))
    with torch.no_grad():
        assert torch.equal(ref(input_ids=ids).logits, lean(input_ids=ids).logits)


def _saved_bytes(model) -> int:
    seen = {p.untyped_storage().data_ptr() for p in model.parameters()}
    total = [0]

    def pack(t):
        st = t.untyped_storage()
        if st.data_ptr() not in seen:
            seen.add(st.data_ptr())
            total[0] += st.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        _loss(model)
    return total[0]


def test_keeps_less_for_backward():
    ref, lean = _pair("llama")
    lean_layers.install(lean)
    assert _saved_bytes(lean) < 0.9 * _saved_bytes(ref)
