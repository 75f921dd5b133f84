"""Fault injection: SIGKILL a training run at seeded points, resume until it finishes, and demand the
result be bit-identical to an uninterrupted run: final weights, the final checkpoint (optimizer,
scheduler, RNG, method state) and metrics.jsonl without its wall-clock keys.

Kill points are the named fault points of posttrain.core.faults (between steps, between the checkpoint's
files and renames, in the final save, mid-rollout for GRPO/PPO) and random wall-clock delays. One
uninterrupted reference run per stage; several kills per resumed chain. The full tier (`make
test-faults`, marker `faults`) survives >= 10 kills per stage; the default suite runs two per stage.
The seed and the points are printed, and a failure names them: POSTTRAIN_FAULT_SEED=... reruns it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

RUNNER = Path(__file__).with_name("runner.py")
WALL_CLOCK = {"tokens_per_s", "step_s", "elapsed", "elapsed_s"}
SKIP = {"README.md", "config.yaml", "metrics.jsonl"}  # card and config name the output folder; metrics compared apart
LOOP_POINTS = ["loop.after_log", "loop.after_step", "checkpoint.between_files", "checkpoint.before_rename",
               "checkpoint.between_renames", "checkpoint.before_cleanup", "output.between_files",
               "loop.before_final_save"]


def _stage_args(stage: str, tiny_dir: Path, files: dict) -> list[str]:
    common = [f"model={tiny_dir}", "max_len=64", "dtype=fp32", "device=cpu", "progress=false", "lr=1e-3",
              "save_every=2", "seed=3"]
    if stage == "sft":
        return ["sft", f"data={files['sft']}", f"eval_data={files['sft']}", "batch_size=4", "max_steps=6",
                "warmup_steps=1", "eval_every=3", *common]
    if stage == "dpo":
        return ["dpo", f"data={files['pref']}", f"eval_data={files['pref']}", "batch_size=4", "max_steps=6",
                "eval_every=3", *common]
    rl = [f"task={files['prompts']}", f"eval_data={files['held']}", "reward=brevity", "max_new_tokens=8",
          "template=chatml", "batch_size=2", "max_steps=4", "eval_prompts=8", "eval_temperature=1.0", *common]
    if stage == "grpo":
        return ["grpo", "num_generations=3", "iterations=2", *rl]
    return ["ppo", "ppo_epochs=2", "kl_target=0.5", *rl]


@pytest.fixture()
def files(tmp_path, sft_file, pref_file):
    rng = random.Random(0)
    rows = [{"prompt": f"What is {x} plus {y}?", "answers": [str(x + y)]}
            for x, y in ((rng.randint(1, 9), rng.randint(1, 9)) for _ in range(48))]
    prompts, held = tmp_path / "prompts.jsonl", tmp_path / "held.jsonl"
    prompts.write_text("".join(json.dumps(r) + "\n" for r in rows[:32]))
    held.write_text("".join(json.dumps(r) + "\n" for r in rows[32:]))
    return {"sft": sft_file, "pref": pref_file, "prompts": prompts, "held": held}


def _run(args: list[str], out: Path, fault: str | None = None, delay: float | None = None) -> int:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("POSTTRAIN_FAULT", None)
    if fault:
        env["POSTTRAIN_FAULT"] = fault
    proc = subprocess.Popen([sys.executable, str(RUNNER), *args, f"output_dir={out}", "resume=true"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.kill()  # SIGKILL
        _, err = proc.communicate()
    if proc.returncode not in (0, -9):
        raise AssertionError(f"run failed (rc {proc.returncode}, fault {fault}, delay {delay}):\n{err[-3000:]}")
    return proc.returncode


def _draw(rng: random.Random, rl: bool, ref_s: float) -> tuple[str | None, float | None]:
    """A kill point: a named fault point and its hit count, or a wall-clock delay (None, seconds)."""
    choice = rng.random()
    if choice < 0.25:
        return None, rng.uniform(0.4, 1.0) * ref_s
    if rl and choice < 0.45:
        return f"engine.sample:{rng.randint(1, 60)}", None
    name = rng.choice(LOOP_POINTS)
    hits = {"checkpoint.between_files": 4, "output.between_files": 6, "loop.before_final_save": 1}.get(name, 2)
    return f"{name}:{rng.randint(1, hits)}", None


def _tensors_equal(a, b, where: str) -> None:
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _tensors_equal(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _tensors_equal(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _metrics(out: Path) -> list[dict]:
    lines = [json.loads(l) for l in (out / "metrics.jsonl").read_text().splitlines()]
    return [{k: v for k, v in x.items() if k not in WALL_CLOCK} for x in lines]


def assert_same_run(ref: Path, out: Path, what: str) -> None:
    """`out` holds bit for bit what the uninterrupted `ref` holds (no leftover temporary files either)."""
    names = sorted(str(p.relative_to(ref)) for p in ref.rglob("*") if p.is_file())
    got = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert got == names, f"{what}: files differ: {set(got) ^ set(names)}"
    for name in names:
        if Path(name).name in SKIP:
            continue
        if name.endswith(".pt"):
            _tensors_equal(torch.load(ref / name, weights_only=True), torch.load(out / name, weights_only=True),
                           f"{what}: {name}")
        else:
            assert (ref / name).read_bytes() == (out / name).read_bytes(), f"{what}: {name} differs"
    a, b = _metrics(ref), _metrics(out)
    assert len(a) == len(b), f"{what}: metrics.jsonl has {len(b)} lines, not {len(a)}"
    for x, y in zip(a, b):
        diff = {k: (x.get(k), y.get(k)) for k in x.keys() | y.keys() if x.get(k) != y.get(k)}
        assert not diff, f"{what}: metrics.jsonl step {x.get('step')}: (uninterrupted, resumed) {diff}"


def kill_and_resume(stage: str, tiny_dir: Path, files: dict, tmp: Path, n_kills: int, seed: int,
                    per_chain: int = 3, fixed: list | None = None) -> dict:
    """Chains of runs of `stage` killed at drawn points then resumed to the end, each compared with one
    uninterrupted run; the kills that happened (return code -9) by point."""
    args = _stage_args(stage, tiny_dir, files)
    t0 = time.perf_counter()
    assert _run(args, tmp / "ref") == 0
    ref_s = time.perf_counter() - t0
    rng, kills, chain = random.Random(seed), [], 0
    print(f"[faults] {stage}: seed {seed}, reference run {ref_s:.1f}s")
    while len(kills) < n_kills:
        out, chain = tmp / f"chain{chain}", chain + 1
        specs, finished = [], False
        for _ in range(per_chain):
            if fixed == []:
                break
            spec = fixed.pop(0) if fixed else _draw(rng, stage in ("grpo", "ppo"), ref_s)
            rc = _run(args, out, *spec)
            specs.append(f"{spec[0] or f'after {spec[1]:.1f}s'}{' (killed)' if rc == -9 else ' (not reached)'}")
            if rc == 0:
                finished = True
                break
            kills.append(spec)
        if not finished:
            assert _run(args, out) == 0
        print(f"[faults] {stage} chain {chain}: " + ", ".join(specs))
        assert_same_run(tmp / "ref", out, f"{stage} seed {seed} chain {chain} ({', '.join(specs)})")
        if fixed == []:
            break
    print(f"[faults] {stage}: survived {len(kills)} kills in {chain} chains, {time.perf_counter() - t0:.0f}s")
    return {"kills": kills, "chains": chain}


STAGES = ["sft", "dpo", "grpo", "ppo"]
SHORT = {  # two deterministic kills per stage in the default suite: one inside the checkpoint, one in the stage's own work
    "sft": [("checkpoint.between_renames:1", None), ("output.between_files:2", None)],
    "dpo": [("checkpoint.between_files:3", None), ("loop.after_log:1", None)],
    "grpo": [("engine.sample:20", None), ("checkpoint.before_cleanup:1", None)],
    "ppo": [("engine.sample:30", None), ("loop.before_final_save:1", None)],
}


@pytest.mark.parametrize("stage", STAGES)
def test_resume_after_kill_is_bit_identical(stage, tiny_dir, files, tmp_path):
    result = kill_and_resume(stage, tiny_dir, files, tmp_path, n_kills=2, seed=0, fixed=list(SHORT[stage]))
    assert len(result["kills"]) == 2


@pytest.mark.faults
@pytest.mark.parametrize("stage", STAGES)
def test_random_kills_resume_bit_identical(stage, tiny_dir, files, tmp_path):
    seed = int(os.environ.get("POSTTRAIN_FAULT_SEED", STAGES.index(stage) + 1))
    result = kill_and_resume(stage, tiny_dir, files, tmp_path, n_kills=10, seed=seed)
    assert len(result["kills"]) >= 10
