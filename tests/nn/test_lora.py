"""LoRA: the hand-computed forward, start-at-base, merge == unmerged forward, disabling, freezing,
target selection, and PEFT compatibility both ways (our folder loads in `peft`, `peft`'s in ours)."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from posttrain.nn.lora import (LoRALinear, disable_adapters, inject_lora, load_adapter, lora_layers, merge_lora,
                            save_adapter, select_targets, unmerge_lora)
from posttrain.model.hf import load_model, save_model

PROJ = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _ids(tokenizer, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, len(tokenizer), (2, 9), generator=g)


@torch.no_grad()
def _logits(model, ids):
    return model(input_ids=ids).logits


@torch.no_grad()
def _randomise(model, seed=1):
    """B = 0 at init makes every test trivially pass; give A and B visible values."""
    g = torch.Generator().manual_seed(seed)
    for layer in lora_layers(model).values():
        for p in (layer.lora_A.weight, layer.lora_B.weight):
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)


@pytest.fixture()
def base(tiny_dir):
    return load_model(str(tiny_dir))


def test_forward_hand_computed():
    """W = I, A = [1 2], B = [1 0]ᵀ, r = 1, alpha = 2 → s = 2; x = [1 1]:
    W x = [1 1], A x = 3, B A x = [3 0], y = [1 1] + 2·[3 0] = [7 1]."""
    base = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        base.weight.copy_(torch.eye(2))
    layer = LoRALinear(base, r=1, alpha=2)
    with torch.no_grad():
        layer.lora_A.weight.copy_(torch.tensor([[1.0, 2.0]]))
        layer.lora_B.weight.copy_(torch.tensor([[1.0], [0.0]]))
    assert layer.scaling == 2.0
    assert torch.equal(layer(torch.tensor([[1.0, 1.0]])), torch.tensor([[7.0, 1.0]]))
    layer.merge()  # W + s·B A = [[3, 4], [0, 1]]
    assert torch.equal(base.weight, torch.tensor([[3.0, 4.0], [0.0, 1.0]]))


def test_scaling_and_init():
    """alpha/r = 16/4 = 4; rsLoRA alpha/sqrt(r) = 16/2 = 8. Kaiming-uniform with a = sqrt(5) has
    bound sqrt(6 / ((1 + 5) · fan_in)) = 1/sqrt(fan_in) = 1/8 for fan_in 64."""
    assert LoRALinear(nn.Linear(64, 32), r=4, alpha=16).scaling == 4.0
    layer = LoRALinear(nn.Linear(64, 32), r=4, alpha=16, rslora=True)
    assert layer.scaling == 8.0
    a = layer.lora_A.weight
    assert a.shape == (4, 64) and layer.lora_B.weight.shape == (32, 4)
    assert a.abs().max() <= 1 / 8 and a.abs().max() > 0.1 and not layer.lora_B.weight.any()


def test_starts_exactly_at_base_and_disable(base, tokenizer):
    ids = _ids(tokenizer)
    ref = _logits(base, ids)
    inject_lora(base, r=4, alpha=8)
    assert torch.equal(_logits(base, ids), ref)  # B = 0
    _randomise(base)
    adapted = _logits(base, ids)
    assert not torch.allclose(adapted, ref, atol=1e-3)
    with disable_adapters(base):
        assert torch.equal(_logits(base, ids), ref)
    assert torch.equal(_logits(base, ids), adapted)


def test_merge_equals_adapter_and_unmerge_restores(base, tokenizer):
    ids = _ids(tokenizer)
    ref = _logits(base, ids)
    inject_lora(base, r=4, alpha=8, rslora=True)
    _randomise(base)
    weights = {n: l.base_layer.weight.clone() for n, l in lora_layers(base).items()}
    adapted = _logits(base, ids)
    for layer in lora_layers(base).values():
        layer.merge()
    assert torch.allclose(_logits(base, ids), adapted, atol=1e-5)
    with disable_adapters(base):  # unmerges for the duration
        assert torch.allclose(_logits(base, ids), ref, atol=1e-5)
    assert all(l.merged for l in lora_layers(base).values())
    unmerge_lora(base)
    for n, l in lora_layers(base).items():
        assert torch.allclose(l.base_layer.weight, weights[n], atol=1e-6)
    plain = merge_lora(base)
    assert not lora_layers(plain) and not hasattr(plain, "posttrain_lora")
    assert type(plain.model.layers[0].self_attn.q_proj) is nn.Linear
    assert torch.allclose(_logits(plain, ids), adapted, atol=1e-5)


def test_only_lora_and_saved_modules_train(base, tokenizer):
    inject_lora(base, r=2, alpha=4, targets=["q_proj", "v_proj"], modules_to_save=["model.norm"])
    trainable = {n for n, p in base.named_parameters() if p.requires_grad}
    lora = {f"model.layers.{i}.self_attn.{m}.lora_{ab}.weight" for i in range(2) for m in ("q_proj", "v_proj")
            for ab in "AB"}
    assert trainable == lora | {"model.norm.weight"}
    assert not base.model.layers[0].self_attn.q_proj.base_layer.weight.requires_grad
    _randomise(base)
    ids = _ids(tokenizer)
    base(input_ids=ids, labels=ids).loss.backward()
    with_grad = {n for n, p in base.named_parameters() if p.grad is not None}
    assert with_grad == trainable


def test_target_selection(base):
    every = {f"model.layers.{i}.{'self_attn' if m in PROJ[:4] else 'mlp'}.{m}" for i in range(2) for m in PROJ}
    assert set(select_targets(base, "all-linear")) == every  # lm_head (the output head) left out
    assert select_targets(base, ["q_proj", "model.layers.1.self_attn.v_proj"]) == [
        "model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"]
    assert select_targets(base, r"model\.layers\.1\.mlp\.(up|down)_proj") == [
        "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj"]
    assert select_targets(base, ["lm_head"]) == ["lm_head"]  # named explicitly, as in PEFT
    with pytest.raises(ValueError, match="match no"):
        select_targets(base, ["nope"])
    with pytest.raises(ValueError, match="LlamaMLP"):
        select_targets(base, ["mlp"])
    inject_lora(base, targets=r".*\.(q|v)_proj")
    assert len(lora_layers(base)) == 4 and base.posttrain_lora["target_modules"] == ["q_proj", "v_proj"]


@pytest.mark.parametrize("targets,rslora,save", [("all-linear", False, ()), (["q_proj", "down_proj"], True, ["model.norm"])])
def test_our_adapter_loads_in_peft(tiny_dir, tokenizer, tmp_path, targets, rslora, save):
    from peft import PeftModel

    ids = _ids(tokenizer)
    ours = inject_lora(load_model(str(tiny_dir)), r=4, alpha=8, targets=targets, rslora=rslora, modules_to_save=save)
    _randomise(ours)
    if save:
        with torch.no_grad():
            ours.model.norm.weight.mul_(1.5)
    save_adapter(ours, tmp_path / "ours", str(tiny_dir))
    config = json.loads((tmp_path / "ours" / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["base_model_name_or_path"] == str(tiny_dir)
    theirs = PeftModel.from_pretrained(load_model(str(tiny_dir)), tmp_path / "ours")
    assert torch.allclose(_logits(theirs, ids), _logits(ours, ids), atol=1e-5)
    theirs.save_pretrained(tmp_path / "resaved")  # peft writes the same tensor names as we do
    from safetensors.torch import load_file
    assert load_file(tmp_path / "resaved" / "adapter_model.safetensors").keys() == \
        load_file(tmp_path / "ours" / "adapter_model.safetensors").keys()


@pytest.mark.parametrize("targets,rslora", [("all-linear", False), (["q_proj", "v_proj", "up_proj"], True)])
def test_peft_adapter_loads_in_ours(tiny_dir, tokenizer, tmp_path, targets, rslora):
    from peft import LoraConfig, get_peft_model

    ids = _ids(tokenizer)
    cfg = LoraConfig(r=4, lora_alpha=8, target_modules=targets, use_rslora=rslora, task_type="CAUSAL_LM")
    theirs = get_peft_model(load_model(str(tiny_dir)), cfg)
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for n, p in theirs.named_parameters():
            if "lora_B" in n:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    theirs.save_pretrained(tmp_path / "peft")
    ours = load_adapter(load_model(str(tiny_dir)), tmp_path / "peft")
    assert len(lora_layers(ours)) == (14 if targets == "all-linear" else 6)
    assert ours.posttrain_lora["r"] == 4 and lora_layers(ours)["model.layers.0.self_attn.q_proj"].scaling == \
        (8 / math.sqrt(4) if rslora else 8 / 4)
    assert torch.allclose(_logits(ours, ids), _logits(theirs, ids), atol=1e-5)
    assert not any(p.requires_grad for p in ours.parameters())


def test_unsupported_peft_options_refused(tiny_dir, tmp_path):
    folder = tmp_path / "dora"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps(
        {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj"], "use_dora": True}))
    with pytest.raises(ValueError, match="use_dora"):
        load_adapter(load_model(str(tiny_dir)), folder)


def test_merged_model_saves_as_plain_transformers(base, tokenizer, tmp_path):
    from transformers import AutoModelForCausalLM

    ids = _ids(tokenizer)
    inject_lora(base, r=4, alpha=8)
    _randomise(base)
    adapted = _logits(base, ids)
    save_model(merge_lora(base), tokenizer, tmp_path / "merged")
    reloaded = AutoModelForCausalLM.from_pretrained(tmp_path / "merged")
    assert torch.allclose(_logits(reloaded, ids), adapted, atol=1e-5)


def test_tied_and_saved_modules_warn(base):
    with pytest.warns(UserWarning, match="embed_tokens"):  # tiny model ties lm_head to the embedding
        inject_lora(base, targets=["q_proj"], modules_to_save=["lm_head"])
    assert base.lm_head.weight.requires_grad and "lm_head" not in select_targets(base, "all-linear")
    with pytest.warns(UserWarning, match="does not restore"), disable_adapters(base):
        pass
    with pytest.raises(ValueError, match="already"):
        inject_lora(base)


def test_load_adapter_trainable(base, tiny_dir, tmp_path):
    inject_lora(base, r=2, alpha=2, targets=["o_proj"])
    save_adapter(base, tmp_path / "a")
    again = load_adapter(load_model(str(tiny_dir)), tmp_path / "a", trainable=True)
    assert {n for n, p in again.named_parameters() if p.requires_grad} == {
        f"model.layers.{i}.self_attn.o_proj.lora_{ab}.weight" for i in range(2) for ab in "AB"}


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_fused_path_equals_generic_formula(bias, dtype):
    """The fused autograd function (no dropout) == base(x) + s · B A x, values and gradients."""
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(12, 10, bias=bias), r=3, alpha=6)
    nn.init.normal_(layer.lora_B.weight)
    x = torch.randn(2, 5, 12, requires_grad=True)
    params = [x, layer.lora_A.weight, layer.lora_B.weight]

    def run(fused):
        for p in params:
            p.grad = None
        with torch.autocast("cpu", dtype=dtype, enabled=dtype != torch.float32):
            y = layer(x) if fused else layer.base_layer(x) + layer.lora_B(layer.lora_A(x)) * layer.scaling
        (y.float() * torch.linspace(-1, 1, 10)).sum().backward()
        return [y.detach().float()] + [p.grad.clone() for p in params]

    tol = 1e-5 if dtype == torch.float32 else 2e-2
    for a, b in zip(run(True), run(False)):
        assert (a - b).abs().max() <= tol * b.abs().max()
    assert layer.base_layer.weight.grad is None
