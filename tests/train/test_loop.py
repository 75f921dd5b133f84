"""Loop invariants: packed == unpacked, accumulation == bigger batch, resume == uninterrupted, NaN stops."""

import json
import math

import pytest
import torch

from posttrain.core.config import build
from posttrain.data.batching import collate_packed, collate_padded, pack, render_all
from posttrain.data.formats import load_conversations
from posttrain.model.forward import lm_loss
from posttrain.model.hf import load_model
from posttrain.train import checkpoint
from posttrain.train.configs import SFTConfig
from posttrain.train.loop import TrainingDiverged, lr_lambda
from posttrain.train.sft import run_sft


def _cfg(tiny_dir, sft_file, tmp_path, **kw):
    base = {"model": str(tiny_dir), "data": str(sft_file), "output_dir": str(tmp_path / "run"), "lr": 1e-3,
            "batch_size": 4, "max_len": 64, "dtype": "fp32", "progress": False, "max_steps": 4, "warmup_steps": 1}
    base.update(kw)
    return build(SFTConfig, **base)


def _weights(path):
    from safetensors.torch import load_file
    return load_file(str(path / "model.safetensors"))


def test_packed_loss_equals_unpacked(tiny_dir, tokenizer, sft_file):
    model = load_model(str(tiny_dir)).eval()
    ex = render_all(tokenizer, load_conversations(str(sft_file))[:12], "plain", 64)
    rows = pack(ex, 96)
    assert len(rows) < len(ex)  # something was actually packed
    with torch.no_grad():
        packed = lm_loss(model, collate_packed(rows, tokenizer.pad_token_id))
        padded = lm_loss(model, collate_padded(ex, tokenizer.pad_token_id))
    assert torch.allclose(packed, padded, rtol=1e-4), (packed, padded)


def test_grad_accumulation_equals_bigger_batch(tiny_dir, sft_file, tmp_path):
    run_sft(_cfg(tiny_dir, sft_file, tmp_path / "a", batch_size=8, grad_accum=1, packing=False, max_steps=2))
    run_sft(_cfg(tiny_dir, sft_file, tmp_path / "b", batch_size=2, grad_accum=4, packing=False, max_steps=2,
                 seed=0))
    # same rows per step only if the batches partition the same permutation: B·A equal and same seed
    a, b = _weights(tmp_path / "a" / "run"), _weights(tmp_path / "b" / "run")
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-5), k  # Adam amplifies fp32 rounding ~1e-6; one update is ~1e-3


def test_resume_equals_uninterrupted(tiny_dir, sft_file, tmp_path):
    full = _cfg(tiny_dir, sft_file, tmp_path / "full", max_steps=6, save_every=3)
    run_sft(full)
    part = _cfg(tiny_dir, sft_file, tmp_path / "part", max_steps=6, save_every=3)
    run_sft(part, stop_after=4)  # "killed" after step 4: the checkpoint on disk is from step 3
    assert json.loads((tmp_path / "part" / "run" / "checkpoint" / "state.json").read_text())["step"] == 3
    run_sft(_cfg(tiny_dir, sft_file, tmp_path / "part", max_steps=6, save_every=3, resume=True))
    a, b = _weights(tmp_path / "full" / "run"), _weights(tmp_path / "part" / "run")
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert _metrics(tmp_path / "part" / "run") == _metrics(tmp_path / "full" / "run")  # steps 4.. logged once


WALL_CLOCK = {"tokens_per_s", "step_s", "elapsed", "elapsed_s"}


def _metrics(run_dir):
    lines = [json.loads(l) for l in (run_dir / "metrics.jsonl").read_text().splitlines() if l.strip()]
    return [{k: v for k, v in x.items() if k not in WALL_CLOCK} for x in lines]


def test_nan_stops_and_keeps_last_checkpoint(tiny_dir, sft_file, tmp_path, monkeypatch):
    from posttrain.train import sft

    calls = {"n": 0}

    def poisoned(model, batch):
        loss = lm_loss(model, batch)
        calls["n"] += 1
        return loss * float("nan") if calls["n"] > 2 else loss

    monkeypatch.setattr(sft, "lm_loss", poisoned)
    cfg = _cfg(tiny_dir, sft_file, tmp_path, max_steps=5, save_every=2)
    with pytest.raises(TrainingDiverged, match="step 3"):
        run_sft(cfg)
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 2
    assert checkpoint.find(tmp_path / "run") is not None


def test_sft_lowers_loss_and_freezing(tiny_dir, sft_file, tmp_path):
    cfg = _cfg(tiny_dir, sft_file, tmp_path, max_steps=12, lr=3e-3, freeze_layers=1, eval_data=str(sft_file))
    before = load_model(str(tiny_dir))
    run_sft(cfg)
    lines = [json.loads(l) for l in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert lines[-2]["loss"] < lines[0]["loss"]
    after = load_model(str(tmp_path / "run"))
    b0, a0 = before.model.layers[0], after.model.layers[0]
    assert all(torch.equal(p, q) for p, q in zip(b0.parameters(), a0.parameters()))  # frozen block unchanged
    assert not torch.equal(before.model.layers[1].mlp.up_proj.weight, after.model.layers[1].mlp.up_proj.weight)
    assert math.isfinite(lines[-1]["eval_loss"])


def test_lr_schedule():
    f = lr_lambda(warmup=2, total=10, schedule="cosine")
    assert f(0) == pytest.approx(1 / 3) and f(2) == pytest.approx(1.0) and f(10) == pytest.approx(0.1)
    assert lr_lambda(0, 10, "linear")(5) == pytest.approx(0.1 + 0.9 * 0.5)


class _TinyBatch:
    def __init__(self, i):
        self.i, self.n_units, self.n_tokens = i, 1, 4
        self.x = torch.randn(4, 8, generator=torch.Generator().manual_seed(i))

    def to(self, device):
        return self


class _TinyMethod:
    """A linear layer whose loss, 1e-8·sum(y), has gradients below fp16's smallest subnormal (6e-8) unless
    scaled; micro-batch 0 can be poisoned with inf (an fp16 overflow)."""

    def __init__(self, poison_first=False):
        torch.manual_seed(0)
        self.model, self.poison_first = torch.nn.Linear(8, 8, bias=False), poison_first

    def total_steps(self):
        return 4

    def micro_batch(self, i):
        return _TinyBatch(i)

    def begin_step(self, model, batches):
        pass

    def step(self, model, batch):
        loss = model(batch.x).float().sum() * 1e-8
        return (loss * float("inf") if self.poison_first and batch.i == 0 else loss), {}

    def evaluate(self, model):
        return {}

    def save(self, model):
        pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def _tiny_run(tmp_path, **kw):
    from posttrain.core.sections import RunConfig
    return RunConfig(output_dir=str(tmp_path / "tiny"), lr=1e-2, dtype="fp16", device="cpu", progress=False,
                     warmup_steps=0, schedule="constant", **kw)


def test_fp16_scales_gradients_that_would_underflow(tmp_path):
    from posttrain.core.runtime import Runtime
    from posttrain.train.loop import train
    method = _TinyMethod()
    before = method.model.weight.detach().clone()
    train(_tiny_run(tmp_path, max_steps=1), method, Runtime.create("cpu", "fp16"))
    assert not torch.equal(before, method.model.weight)  # unscaled, the fp16 gradient is 0 and nothing moves


def test_fp16_overflow_is_skipped_and_the_scale_survives_resume(tmp_path):
    from posttrain.core.runtime import Runtime
    from posttrain.train.loop import train
    rt = Runtime.create("cpu", "fp16")
    method = _TinyMethod(poison_first=True)
    before = method.model.weight.detach().clone()
    train(_tiny_run(tmp_path, max_steps=4, save_every=1), method, rt, stop_after=1)  # not TrainingDiverged
    assert torch.equal(before, method.model.weight)  # the inf step was skipped
    train(_tiny_run(tmp_path, max_steps=4, save_every=1), _TinyMethod(poison_first=True), rt, stop_after=2)
    train(_tiny_run(tmp_path, max_steps=4, save_every=1, resume=True), _TinyMethod(poison_first=True), rt)
    lines = [json.loads(l) for l in (tmp_path / "tiny" / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [1, 2, 3, 4]
    assert [x["loss_scale"] for x in lines] == [65536.0, 32768.0, 32768.0, 32768.0]  # halved once, kept on resume
    state = torch.load(tmp_path / "tiny" / "checkpoint" / "state.pt", weights_only=True)
    assert state["scaler"]["scale"] == 32768.0


def test_resume_refuses_a_changed_config_unless_forced(tiny_dir, sft_file, tmp_path, capsys):
    from posttrain.commands.cli import main
    out = tmp_path / "run"
    run_sft(_cfg(tiny_dir, sft_file, tmp_path, max_steps=4, save_every=2), stop_after=2)
    base = ["sft", f"model={tiny_dir}", f"data={sft_file}", f"output_dir={out}", "batch_size=4", "max_len=64",
            "dtype=fp32", "progress=false", "warmup_steps=1", "save_every=2", "resume=true"]
    capsys.readouterr()
    assert main(base + ["lr=2e-3", "max_steps=4", "batch_size=2"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "run.lr 0.001 -> 0.002" in err and "run.batch_size" in err
    assert "max_steps" not in err and "resume=force" in err
    assert json.loads((out / "checkpoint" / "state.json").read_text())["step"] == 2  # nothing was trained
    assert main(base + ["lr=1e-3", "max_steps=6", "eval_every=3"]) == 0  # longer run, more evaluation: allowed
    assert main(base[:-1] + ["resume=force", "lr=2e-3", "max_steps=8"]) == 0
    assert [json.loads(l)["step"] for l in (out / "metrics.jsonl").read_text().splitlines()] == list(range(1, 9))


def _failing_replace(monkeypatch, after: int):
    """os.replace that raises (a kill, as far as the files on disk go) from its `after`+1-th call on."""
    import os
    real, calls = os.replace, {"n": 0}

    def replace(a, b):
        calls["n"] += 1
        if calls["n"] > after:
            raise KeyboardInterrupt("killed")
        real(a, b)
    monkeypatch.setattr(os, "replace", replace)


def test_a_checkpoint_write_never_leaves_none(tmp_path, monkeypatch):
    """Killed between the renames, the only whole checkpoint is `.checkpoint.old`; the next write must keep it
    until its own is in place (the old code removed it first)."""
    method = _TinyMethod()
    opt = torch.optim.AdamW(method.model.parameters())
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    checkpoint.save(tmp_path, method.model, opt, sched, 2, {})
    (tmp_path / "checkpoint").rename(tmp_path / ".checkpoint.old")  # as a kill between the renames leaves it
    _failing_replace(monkeypatch, after=0)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(tmp_path, method.model, opt, sched, 4, {})
    found = checkpoint.find(tmp_path)
    assert found is not None and checkpoint.read_state(found)["step"] == 2


def test_an_interrupted_final_save_does_not_look_complete(tiny_dir, sft_file, tmp_path, monkeypatch):
    cfg = _cfg(tiny_dir, sft_file, tmp_path, max_steps=1)
    run_sft(cfg)
    assert (tmp_path / "run" / "README.md").exists()
    _failing_replace(monkeypatch, after=2)
    with pytest.raises(KeyboardInterrupt):
        run_sft(cfg)  # the same folder again, killed partway through writing the model
    assert not (tmp_path / "run" / "README.md").exists()  # the card is written last: its absence says unfinished


def test_neftune_noise_only_in_training_and_bounded(tiny_dir):
    from posttrain.model.hf import load_model
    from posttrain.train.prepare import add_neftune
    model = load_model(str(tiny_dir))
    emb = model.get_input_embeddings()
    ids = torch.arange(12).view(2, 6)
    clean = emb(ids).detach()
    add_neftune(model, 5.0)
    emb.train()
    noisy = emb(ids).detach()
    bound = 5.0 / (6 * clean.shape[-1]) ** 0.5
    assert 0 < (noisy - clean).abs().max() <= bound + 1e-6
    assert (noisy - clean).abs().max() > 0.5 * bound  # uniform over the full range, not a tiny jitter
    emb.eval()
    assert torch.equal(emb(ids), clean)
