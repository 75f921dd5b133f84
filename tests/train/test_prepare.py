"""Model preparation shared by every stage: freezing by regex, gradient checkpointing (with LoRA and
frozen embeddings), LoRA under bf16 autocast, and train mode during the loop (LoRA dropout)."""

import pytest
import torch

from posttrain.core.config import ConfigError, build
from posttrain.train.configs import SFTConfig
from posttrain.data.batching import collate_packed, pack, render_all
from posttrain.data.formats import load_conversations
from posttrain.nn.lora import lora_layers
from posttrain.core.runtime import autocast
from posttrain.train.loop import train
from posttrain.core.runtime import Runtime
from posttrain.train.method import DataMethod, RowSource
from posttrain.train.prepare import prepare_model
from posttrain.model.forward import lm_loss


def _cfg(tiny_dir, sft_file, tmp_path, **kw):
    base = dict(model=str(tiny_dir), data=str(sft_file), output_dir=str(tmp_path / "run"), dtype="fp32",
                progress=False, max_len=64, max_steps=2, batch_size=4)
    return build(SFTConfig, **{**base, **kw})


def _batch(tokenizer, sft_file):
    ex = render_all(tokenizer, load_conversations(str(sft_file))[:12], "plain", 64)
    return collate_packed(pack(ex, 96), tokenizer.pad_token_id)


def _grads(model, batch, dtype=torch.float32):
    model.zero_grad(set_to_none=True)
    with autocast(torch.device("cpu"), dtype):
        loss = lm_loss(model, batch)
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


def test_freeze_regex(tiny_dir, sft_file, tmp_path):
    model = prepare_model(_cfg(tiny_dir, sft_file, tmp_path, freeze_regex=r"layers\.0\.|norm").model, 0, verbose=False)
    for name, p in model.named_parameters():
        assert p.requires_grad == (not ("layers.0." in name or "norm" in name)), name
    with pytest.raises(ValueError, match="matches no parameter"):
        prepare_model(_cfg(tiny_dir, sft_file, tmp_path, freeze_regex="no_such_module").model, 0, verbose=False)
    with pytest.raises(ValueError, match="nothing would train"):
        prepare_model(_cfg(tiny_dir, sft_file, tmp_path, freeze_regex=".").model, 0, verbose=False)
    with pytest.raises(ConfigError, match="not a valid regex"):
        _cfg(tiny_dir, sft_file, tmp_path, freeze_regex="(")


def test_freeze_regex_with_lora(tiny_dir, sft_file, tmp_path):
    model = prepare_model(_cfg(tiny_dir, sft_file, tmp_path, lora_r=4, freeze_regex=r"layers\.1\.").model, 0, verbose=False)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n and "layers.0." in n for n in trainable)


@pytest.mark.parametrize("lora", [0, 4])
def test_checkpointing_same_loss_and_grads(tiny_dir, tokenizer, sft_file, tmp_path, lora):
    kw = dict(lora_r=lora, freeze_embeddings=True)
    plain = prepare_model(_cfg(tiny_dir, sft_file, tmp_path, **kw).model, 0, verbose=False).train()
    ckpt = prepare_model(_cfg(tiny_dir, sft_file, tmp_path, gradient_checkpointing=True, **kw).model, 0, verbose=False).train()
    ckpt.load_state_dict(plain.state_dict())
    if lora:  # B = 0 at init gives A no gradient; make both visible
        torch.manual_seed(0)
        for layer in lora_layers(plain).values():
            torch.nn.init.normal_(layer.lora_B.weight, std=0.1)
        ckpt.load_state_dict(plain.state_dict())
    batch = _batch(tokenizer, sft_file)
    la, ga = _grads(plain, batch)
    lb, gb = _grads(ckpt, batch)
    assert ckpt.model.gradient_checkpointing and len(ga) == len(gb) > 0
    assert torch.allclose(la, lb, rtol=1e-6)
    for n in ga:
        assert torch.allclose(ga[n], gb[n], rtol=1e-4, atol=1e-6), n
    if lora:
        assert all("lora_" in n for n in ga)


def test_lora_bf16_autocast(tiny_dir, tokenizer, sft_file, tmp_path):
    model = prepare_model(_cfg(tiny_dir, sft_file, tmp_path, lora_r=4).model, 0, verbose=False).train()
    torch.manual_seed(0)
    for layer in lora_layers(model).values():
        torch.nn.init.normal_(layer.lora_B.weight, std=0.1)
    batch = _batch(tokenizer, sft_file)
    l32, g32 = _grads(model, batch)
    l16, g16 = _grads(model, batch, torch.bfloat16)
    assert torch.allclose(l32, l16, rtol=2e-2)
    for n in g32:
        assert g16[n].dtype == torch.float32  # fp32 master weights and grads, bf16 matmuls
        cos = torch.nn.functional.cosine_similarity(g32[n].flatten(), g16[n].flatten(), dim=0)
        assert cos > 0.95, (n, float(cos))


def test_loop_trains_in_train_mode_with_lora_dropout(tiny_dir, tokenizer, sft_file, tmp_path):
    """from_pretrained returns eval mode; the loop must switch on dropout (here LoRA's)."""
    cfg = _cfg(tiny_dir, sft_file, tmp_path, lora_r=4, lora_dropout=0.5)
    model = prepare_model(cfg.model, cfg.run.seed, verbose=False)
    assert not model.training
    modes = []

    class Probe(DataMethod):
        def __init__(self):
            self.model = model
            ex = render_all(tokenizer, load_conversations(str(sft_file)), "plain", 64)
            self.source = RowSource(pack(ex, 64), lambda items: collate_packed(items, tokenizer.pad_token_id), cfg.run, 1)

        def step(self, m, batch):
            modes.append(m.training)
            return lm_loss(m, batch), {}

        def evaluate(self, m):
            return {}

        def save(self, m):
            pass

    train(cfg.run, Probe(), Runtime.create("cpu", "fp32"))
    assert modes and all(modes)
    layer = next(iter(lora_layers(model).values()))
    x = torch.randn(3, layer.base_layer.in_features)
    torch.nn.init.normal_(layer.lora_B.weight)
    model.train()
    assert not torch.equal(layer(x), layer(x))  # dropout active
    model.eval()
    assert torch.equal(layer(x), layer(x))
