"""LoRA SFT through the real CLI: loss falls, the output is a PEFT adapter that `peft`, our loader and
`posttrain merge` all turn into the same model."""

import json

import torch

from posttrain.commands.cli import main
from posttrain.model.hf import load_model


def test_lora_sft_cli_adapter_and_merge(tiny_dir, sft_file, tmp_path):
    out = tmp_path / "lora"
    assert main(["sft", f"model={tiny_dir}", f"data={sft_file}", f"output_dir={out}", "lora_r=4", "lora_alpha=8",
                 "lora_targets=q_proj,v_proj", "lr=5e-3", "max_steps=10", "batch_size=4", "max_len=64",
                 "dtype=fp32", "progress=false"]) == 0
    losses = [json.loads(l)["loss"] for l in (out / "metrics.jsonl").read_text().splitlines()]
    assert losses[-1] < losses[0]
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["r"] == 4 and sorted(config["target_modules"]) == ["q_proj", "v_proj"]
    assert not (out / "model.safetensors").exists()

    ids = torch.tensor([[5, 17, 42, 8, 99]])
    ours = load_model(str(out)).eval()  # adapter folder → base + adapter, merged
    from peft import PeftModel
    theirs = PeftModel.from_pretrained(load_model(str(tiny_dir)), str(out)).eval()
    assert main(["merge", str(tiny_dir), str(out), str(tmp_path / "merged")]) == 0
    from transformers import AutoModelForCausalLM
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "merged").eval()
    base = load_model(str(tiny_dir)).eval()
    with torch.no_grad():
        a, b, c, d = (m(ids).logits for m in (ours, theirs, merged, base))
    assert torch.allclose(a, b, atol=1e-5) and torch.allclose(a, c, atol=1e-5)
    assert not torch.allclose(a, d, atol=1e-4)  # the adapter changed something


def test_lora_resume_equals_uninterrupted(tiny_dir, sft_file, tmp_path):
    """Killed after step 4 (checkpoint at 3) and resumed == one run: adapter weights bit-equal."""
    from safetensors.torch import load_file

    from posttrain.core.config import build
    from posttrain.train.configs import SFTConfig
    from posttrain.train.sft import run_sft

    def cfg(name, **kw):
        return build(SFTConfig, model=str(tiny_dir), data=str(sft_file), lora_r=4, lr=5e-3, max_steps=6, save_every=3,
                         batch_size=4, max_len=64, dtype="fp32", progress=False, output_dir=str(tmp_path / name), **kw)

    run_sft(cfg("full"))
    run_sft(cfg("part"), stop_after=4)
    run_sft(cfg("part", resume=True))
    a = load_file(str(tmp_path / "full" / "adapter_model.safetensors"))
    b = load_file(str(tmp_path / "part" / "adapter_model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
