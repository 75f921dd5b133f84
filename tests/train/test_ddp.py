"""DDP on CPU (gloo, 2 processes, grad_accum=1) gives the same weights, and the same running state, as
1 process with grad_accum=2 (the same global batch), for every stage: SFT (padded, packed, LoRA with
gradient checkpointing), DPO, SimPO, ORPO, KTO (one reference point per step over both ranks), the
reward model, PPO (its adaptive β and reward statistics are global) and GRPO (a rollout's samples
are seeded by the prompts' place in the iteration, not by the process).

The one-process run goes in this process (cheaper than a second launch); both write their output
folder, whose weights (and PPO's value head and checkpointed state) are compared."""

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from posttrain.commands.cli import main

COMMON = ["max_steps=3", "lr=1e-3", "dtype=fp32", "max_len=64", "progress=false", "batch_size=2", "template=chatml"]
RL = ["reward=brevity", "max_new_tokens=8", "eval_prompts=0", "temperature=1.0"]

CASES = {  # name: (stage, data fixture, options, files compared)
    "sft_padded": ("sft", "sft_file", ["packing=false"], ["model.safetensors"]),
    "sft_packed": ("sft", "sft_file", ["packing=true"], ["model.safetensors"]),
    "sft_lora_checkpointing": ("sft", "sft_file", ["packing=false", "lora_r=4", "freeze_layers=1", "lr=1e-2",
                                                   "gradient_checkpointing=true"], ["adapter_model.safetensors"]),
    "dpo": ("dpo", "pref_file", [], ["model.safetensors"]),
    "simpo": ("simpo", "pref_file", [], ["model.safetensors"]),
    "orpo": ("orpo", "pref_file", [], ["model.safetensors"]),
    "kto": ("kto", "pref_file", ["beta=1.0", "lr=5e-3"], ["model.safetensors"]),
    "rm": ("rm", "pref_file", [], ["model.safetensors"]),
    "ppo": ("ppo", "prompts", [*RL, "max_steps=4", "ppo_epochs=2", "save_every=2", "kl_target=0.5", "lr=3e-3"],
            ["model.safetensors", "value_head.safetensors"]),
    "grpo": ("grpo", "prompts", [*RL, "num_generations=3", "beta=0.05", "lr=3e-3"], ["model.safetensors"]),
}


def _torchrun(args, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=0",
                "--rdzv_backend=c10d", "--rdzv_endpoint=127.0.0.1:0"]
    proc = subprocess.run(launcher + ["-m", "posttrain.commands.cli", *args], check=False, env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture()
def prompts(tmp_path):
    rows = [{"prompt": f"What is {x} plus {y}?", "answers": [str(x + y)]} for x in range(1, 9) for y in range(1, 5)]
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_two_processes_equal_one(name, tiny_dir, tmp_path, request):
    stage, fixture, extra, files = CASES[name]
    data = request.getfixturevalue(fixture)
    args = [stage, f"model={tiny_dir}", f"{'task' if fixture == 'prompts' else 'data'}={data}", *COMMON, *extra]
    assert main(args + [f"output_dir={tmp_path / 'one'}", "grad_accum=2"]) == 0
    _torchrun(args + [f"output_dir={tmp_path / 'two'}", "grad_accum=1"], tmp_path)
    if name == "ppo":  # the adaptive β and the reward statistics rank 0 checkpoints are those of the whole batch
        one, two = (json.loads((tmp_path / d / "checkpoint" / "state.json").read_text())["source"] for d in ("one", "two"))
        assert one["beta"] != 0.05 and one["count"] == 2 * 2 * 2  # 2 rollouts of 2 prompts × 2 (accumulation)
        assert one == pytest.approx(two, rel=1e-6)
    for f in files:
        a, b = load_file(str(tmp_path / "one" / f)), load_file(str(tmp_path / "two" / f))
        assert a and a.keys() == b.keys()
        for k in a:
            assert torch.allclose(a[k], b[k], atol=1e-5), (f, k, float((a[k] - b[k]).abs().max()))
    if name == "sft_lora_checkpointing":
        frozen_b = [k for k in a if "layers.0." in k and "lora_B" in k]
        assert frozen_b and all(not a[k].any() for k in frozen_b)  # LoRA inside the frozen block never moved
