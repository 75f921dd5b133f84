"""DDP on CPU (gloo, 2 processes) gives the same weights as 1 process with the same global batch."""

import os
import subprocess
import sys

import torch
from safetensors.torch import load_file


def _run(args, tmp_path, nproc, stage="sft"):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    launcher = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", "--master_port=0",
                "--rdzv_backend=c10d", "--rdzv_endpoint=127.0.0.1:0"] if nproc > 1 else [sys.executable]
    proc = subprocess.run(launcher + ["-m", "posttrain.cli", stage, *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_two_processes_equal_one(tiny_dir, sft_file, tmp_path):
    common = [f"model={tiny_dir}", f"data={sft_file}", "batch_size=2", "max_steps=3", "lr=1e-3", "dtype=fp32",
              "max_len=64", "progress=false", "packing=false"]
    _run(common + [f"output_dir={tmp_path / 'one'}", "grad_accum=2"], tmp_path, 1)
    _run(common + [f"output_dir={tmp_path / 'two'}", "grad_accum=1"], tmp_path, 2)
    a, b = load_file(str(tmp_path / "one" / "model.safetensors")), load_file(str(tmp_path / "two" / "model.safetensors"))
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-5), k


def test_two_processes_equal_one_lora(tiny_dir, sft_file, tmp_path):
    common = [f"model={tiny_dir}", f"data={sft_file}", "batch_size=2", "max_steps=3", "lr=1e-2", "dtype=fp32",
              "max_len=64", "progress=false", "packing=false", "lora_r=4", "freeze_layers=1"]
    _run(common + [f"output_dir={tmp_path / 'one'}", "grad_accum=2"], tmp_path, 1)
    _run(common + [f"output_dir={tmp_path / 'two'}", "grad_accum=1"], tmp_path, 2)
    a = load_file(str(tmp_path / "one" / "adapter_model.safetensors"))
    b = load_file(str(tmp_path / "two" / "adapter_model.safetensors"))
    assert a and a.keys() == b.keys()
    frozen_b = [k for k in a if "layers.0." in k and "lora_B" in k]
    assert frozen_b and all(not a[k].any() for k in frozen_b)  # LoRA inside the frozen block never moved
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-5), k


def test_two_processes_equal_one_dpo(tiny_dir, pref_file, tmp_path):
    common = [f"model={tiny_dir}", f"data={pref_file}", "batch_size=2", "max_steps=3", "lr=1e-3", "dtype=fp32",
              "max_len=64", "progress=false", "template=chatml"]
    _run(common + [f"output_dir={tmp_path / 'one'}", "grad_accum=2"], tmp_path, 1, "dpo")
    _run(common + [f"output_dir={tmp_path / 'two'}", "grad_accum=1"], tmp_path, 2, "dpo")
    a, b = load_file(str(tmp_path / "one" / "model.safetensors")), load_file(str(tmp_path / "two" / "model.safetensors"))
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-5), k
