"""Online RL through the real CLI on the tiny model, and the rollout maths it rests on:
the engine's grouped (prefix-shared) sampling log-probs == the update's recomputed log-probs,
GRPO and PPO raise the held-out reward with bounded KL, resume is exact, tasks score replies."""

import json
import random

import pytest
import torch

from posttrain.cli import main
from posttrain.engine import generate
from posttrain.models import load_model, load_tokenizer
from posttrain.tasks import arithmetic, last_number_reward, load_task
from posttrain.data.rollouts import collate_rollout
from posttrain.forward import token_logps


def _metrics(out):
    return [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines() if l.strip()]


@pytest.fixture()
def prompt_files(tmp_path):
    rng = random.Random(0)
    rows = []
    for _ in range(160):
        x, y = rng.randint(1, 9), rng.randint(1, 9)
        rows.append({"prompt": f"What is {x} plus {y}?", "answers": [str(x + y)]})
    train, held = tmp_path / "train.jsonl", tmp_path / "held.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows[:128]))
    held.write_text("".join(json.dumps(r) + "\n" for r in rows[128:]))
    return train, held


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_grouped_sampling_logps_equal_the_update(tiny_dir, temperature):
    """Samples drawn with a shared prompt prefill (n=4) carry log-probs equal to the training forward's
    log-probs of the same tokens under the same temperature (fp32)."""
    model, tok = load_model(tiny_dir).eval(), load_tokenizer(tiny_dir)
    prompts = [tok("What is 3 plus 4?")["input_ids"], tok("hello")["input_ids"]]
    outs = generate(model, prompts, max_new_tokens=12, temperature=temperature, seed=3, stop_ids=(), dtype="fp32",
                    return_logprobs=True, n=4)
    assert len(outs) == 8 and len({tuple(o.ids) for o in outs}) > 2
    batch = collate_rollout([prompts[i // 4] for i in range(8)], [o.ids for o in outs], 0)
    with torch.no_grad():
        lp, _ = token_logps(model, batch, temperature)
    for i, o in enumerate(outs):
        torch.testing.assert_close(lp[i, :len(o.ids)], torch.tensor(o.logprobs), atol=1e-4, rtol=1e-4)


def test_grouped_greedy_equals_separate(tiny_dir):
    model, tok = load_model(tiny_dir).eval(), load_tokenizer(tiny_dir)
    prompts = [tok("What is 3 plus 4?")["input_ids"], tok("The capital of Peru")["input_ids"]]
    grouped = generate(model, prompts, max_new_tokens=10, stop_ids=(), dtype="fp32", n=3)
    alone = generate(model, prompts, max_new_tokens=10, stop_ids=(), dtype="fp32")
    assert [o.ids for o in grouped] == [alone[i // 3].ids for i in range(6)]


def test_token_logps_temperature_gradient_matches_full_logits(tiny_dir):
    model = load_model(tiny_dir)
    batch = collate_rollout([[5, 6, 7], [8, 9]], [[10, 11], [12, 13, 14]], 0)
    lp, _ = token_logps(model, batch, 0.5)
    lp.sum().backward()
    g = model.model.layers[0].mlp.up_proj.weight.grad.clone()
    model.zero_grad()
    logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits / 0.5
    flat = logits.reshape(-1, logits.shape[-1]).log_softmax(-1)[batch.pred_index]
    ref = flat.gather(1, batch.targets[:, None]).squeeze(1)
    ref.sum().backward()
    torch.testing.assert_close(lp[batch.mask], ref.detach(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(g, model.model.layers[0].mlp.up_proj.weight.grad, atol=1e-5, rtol=1e-4)


def test_arithmetic_task_reward_and_split():
    t = arithmetic()
    assert len(t.heldout) == 100 and len(t.train) > 300 and len(load_task("arithmetic:99").train) > 9000
    held = {r["prompt"][0]["content"] for r in t.heldout}
    assert not held & {r["prompt"][0]["content"] for r in t.train}
    assert last_number_reward(None, ["12 + 30 = 42.", "42 or 43", "It is 42"], answers=[["42"]] * 3) == [1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="built-in"):
        load_task("no-such-task")


def _rl(stage, tiny_dir, files, out, *extra):
    train, held = files
    args = [stage, f"model={tiny_dir}", f"task={train}", f"eval_data={held}", "reward=brevity", f"output_dir={out}",
            "max_new_tokens=12", "max_len=64", "dtype=fp32", "template=chatml", "progress=false", "eval_prompts=32",
            "eval_temperature=1.0", "warmup_steps=0", "schedule=constant", *extra]
    assert main(args) == 0
    return _metrics(out)


def test_grpo_raises_heldout_reward_with_bounded_kl(tiny_dir, prompt_files, tmp_path, capsys):
    m = _rl("grpo", tiny_dir, prompt_files, tmp_path / "g", "lr=3e-3", "max_steps=24", "num_generations=4",
            "batch_size=4", "beta=0.02")
    before = [l for l in capsys.readouterr().err.splitlines() if "before training" in l][0]
    eval_before = float(before.split("eval_reward ")[1].split(",")[0])
    final = m[-1]
    assert final["eval_reward"] > eval_before + 0.005
    assert 0 <= final["eval_kl"] < 10
    steps = [x for x in m if "loss" in x]
    assert all(k in steps[0] for k in ("reward", "entropy", "clip_fraction", "kl", "response_length", "no_eos"))


def test_dapo_drops_uninformative_groups_and_dr_grpo_runs(tiny_dir, prompt_files, tmp_path):
    for variant in ("dapo", "dr_grpo"):
        m = _rl("grpo", tiny_dir, prompt_files, tmp_path / variant, "lr=1e-3", "max_steps=2", "num_generations=3",
                "batch_size=2", f"loss={variant}", "iterations=2")
        assert all(0 <= x["informative_groups"] <= 1 for x in m if "loss" in x)


def test_ppo_raises_heldout_reward_with_bounded_kl(tiny_dir, prompt_files, tmp_path, capsys):
    m = _rl("ppo", tiny_dir, prompt_files, tmp_path / "p", "lr=3e-3", "max_steps=40", "batch_size=8", "ppo_epochs=2",
            "kl_target=1.0", "missing_eos_penalty=0.1")
    before = [l for l in capsys.readouterr().err.splitlines() if "before training" in l][0]
    eval_before = float(before.split("eval_reward ")[1].split(",")[0])
    assert m[-1]["eval_reward"] > eval_before + 0.005
    assert 0 <= m[-1]["eval_kl"] < 10
    steps = [x for x in m if "loss" in x]
    for k in ("kl_k1", "entropy", "clip_fraction", "value_loss", "explained_variance", "response_length", "beta"):
        assert k in steps[-1]
    assert steps[-1]["beta"] != 0.05  # the adaptive controller moved β
    assert (tmp_path / "p" / "value_head.safetensors").exists()


@pytest.mark.parametrize("stage,extra", [("grpo", ["num_generations=3", "iterations=2"]),
                                         ("ppo", ["ppo_epochs=2", "kl_target=0.5"])])
def test_rl_resume_is_exact(stage, extra, tiny_dir, prompt_files, tmp_path):
    from posttrain.config import build
    from posttrain.train.configs import GRPOConfig, PPOConfig
    from posttrain.train.grpo import run_grpo
    from posttrain.train.ppo import run_ppo

    train, held = prompt_files
    cls, run = (GRPOConfig, run_grpo) if stage == "grpo" else (PPOConfig, run_ppo)
    kw = {k: v for k, v in (e.split("=") for e in extra)}
    kw = {k: (float(v) if "." in v else int(v)) for k, v in kw.items()}

    def cfg(out):
        return build(cls, model=str(tiny_dir), task=str(train), reward="brevity", output_dir=str(out), max_new_tokens=8,
                   max_len=64, dtype="fp32", template="chatml", progress=False, batch_size=2, lr=1e-3, max_steps=4,
                   save_every=2, resume=True, **kw)

    run(cfg(tmp_path / "full"))
    run(cfg(tmp_path / "cut"), stop_after=2)
    run(cfg(tmp_path / "cut"))
    a = [x for x in _metrics(tmp_path / "full") if "loss" in x]
    b = [x for x in _metrics(tmp_path / "cut") if "loss" in x]
    assert [x["step"] for x in b] == [1, 2, 3, 4]
    for x, y in zip(a, b):
        assert x["loss"] == pytest.approx(y["loss"], abs=1e-6) and x["reward"] == y["reward"]
    sa = json.loads((tmp_path / "full" / "checkpoint" / "state.json").read_text())
    sb = json.loads((tmp_path / "cut" / "checkpoint" / "state.json").read_text())
    assert sa.get("source") == sb.get("source")


def test_grpo_lora_uses_the_adapter_disabled_reference(tiny_dir, prompt_files, tmp_path, capsys):
    out = tmp_path / "lora"
    m = _rl("grpo", tiny_dir, prompt_files, out, "lr=1e-2", "max_steps=4", "num_generations=4", "batch_size=2",
            "lora_r=4", "beta=0.05", "freeze_layers=1")
    err = capsys.readouterr().err
    assert "reference: adapter" in err and "eval_kl 0.000" in err  # B = 0: the adapter starts as the identity
    assert (out / "adapter_config.json").exists() and not (out / "model.safetensors").exists()
    assert all("kl" in x for x in m if "loss" in x)


def test_grpo_runs_under_two_processes(tiny_dir, prompt_files, tmp_path):
    import os
    import subprocess
    import sys

    train, held = prompt_files
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=0", "--rdzv_backend=c10d",
           "--rdzv_endpoint=127.0.0.1:0", "-m", "posttrain.cli", "grpo", f"model={tiny_dir}", f"task={train}",
           f"eval_data={held}", "reward=brevity", f"output_dir={tmp_path / 'ddp'}", "max_new_tokens=8", "max_len=64",
           "dtype=fp32", "template=chatml", "progress=false", "eval_prompts=8", "batch_size=2", "num_generations=3",
           "max_steps=2", "lr=1e-3"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    steps = [x for x in _metrics(tmp_path / "ddp") if "loss" in x]
    assert len(steps) == 2 and all("reward" in x for x in steps)


def test_dapo_under_two_processes_when_one_rank_keeps_no_group(tiny_dir, prompt_files, tmp_path):
    """Rank 0's rewards never differ within a group, so DAPO drops all its samples while rank 1 keeps
    some: rank 0 must still join the gradient all-reduce (a zero-loss forward) instead of hanging it."""
    import os
    import subprocess
    import sys

    (tmp_path / "rank_reward.py").write_text(
        "import os\n"
        "def reward(prompts, completions, **kw):\n"
        "    if os.environ.get('RANK') == '0':\n"
        "        return [0.0] * len(completions)\n"
        "    return [float(len(c)) for c in completions]\n")
    train, held = prompt_files
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=0", "--rdzv_backend=c10d",
           "--rdzv_endpoint=127.0.0.1:0", "-m", "posttrain.cli", "grpo", f"model={tiny_dir}", f"task={train}",
           f"eval_data={held}", "reward=rank_reward:reward", f"output_dir={tmp_path / 'ddp'}", "max_new_tokens=8",
           "max_len=64", "dtype=fp32", "template=chatml", "progress=false", "eval_prompts=4", "batch_size=2",
           "num_generations=3", "max_steps=2", "lr=1e-3", "loss=dapo", "temperature=1.0"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    steps = [x for x in _metrics(tmp_path / "ddp") if "loss" in x]
    assert len(steps) == 2 and all("informative_groups" in x for x in steps)
    assert all(x["grad_norm"] > 0 for x in steps)  # rank 1's samples trained both ranks' weights
