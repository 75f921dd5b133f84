"""Durability: every label and checkpoint write is fsynced before it is acknowledged or renamed into place,
and so is the folder entry of each file or folder it creates (counted by wrapping os.fsync and os.replace,
with each fsynced descriptor named through /proc/self/fd). And fp16: gradients are clipped after the
scaler unscales them, so the logged grad norm is an fp32 run's."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from posttrain.core import files
from posttrain.core.runtime import Runtime
from posttrain.core.sections import RunConfig
from posttrain.serve.labels import LabelStore
from posttrain.train import checkpoint, loop

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="names fsynced descriptors via /proc")


@pytest.fixture()
def disk(monkeypatch, tmp_path):
    """The fsyncs and renames made while a test runs: ("fsync", path, size of a file / None for a folder) and
    ("replace", src, dst), paths relative to tmp_path (a checkpoint's random temporary name shown as TMP)."""
    events, real_fsync, real_replace = [], os.fsync, os.replace
    root = os.path.realpath(tmp_path)

    def rel(p) -> str:
        p = os.path.relpath(os.path.realpath(p), root)
        return "/".join("TMP" if part.startswith(checkpoint.TMP_PREFIX) else part for part in Path(p).parts) or "."

    def fsync(fd):
        st = os.fstat(fd)
        events.append(("fsync", rel(os.readlink(f"/proc/self/fd/{fd}")), st.st_size if stat.S_ISREG(st.st_mode) else None))
        return real_fsync(fd)

    def replace(src, dst, *a, **kw):
        events.append(("replace", rel(src), rel(dst)))
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def fsynced(events) -> list[str]:
    return [e[1] for e in events if e[0] == "fsync"]


# ----------------------------------------------------------------------------- labels

ROW = {"prompt": [{"role": "user", "content": "2+2?"}], "chosen": "4", "rejected": "5"}


def test_a_label_is_fsynced_whole_and_a_new_file_entry_with_it(tmp_path, disk):
    """The first append creates pairs.jsonl: the file (all its bytes written) and then the folder holding its
    new entry are fsynced. Later appends fsync the file only (its entry is already on disk)."""
    store = LabelStore(tmp_path)
    assert disk == []
    store.append("pairs", [ROW, ROW])
    size = (tmp_path / "pairs.jsonl").stat().st_size
    assert disk == [("fsync", "pairs.jsonl", size), ("fsync", ".", None)]
    disk.clear()
    store.append("pairs", [ROW])
    assert disk == [("fsync", "pairs.jsonl", (tmp_path / "pairs.jsonl").stat().st_size)]
    assert len(store.read("pairs")) == 3


def test_saving_a_verdict_fsyncs_each_file_it_writes(tmp_path, disk):
    from posttrain.serve.labels import Item, Shown, verdict_rows

    store = LabelStore(tmp_path)
    store.append("ties", [ROW])
    disk.clear()
    shown = {k: Shown("m", f"cfg{k}", {}, f"answer {k}") for k in "AB"}
    rows = verdict_rows(Item("1", ROW["prompt"], shown), "both_bad", "ann", {}, "t")
    assert store.save(rows) == ["ties", "unpaired"]
    sizes = {n: (tmp_path / n).stat().st_size for n in ("ties.jsonl", "unpaired.jsonl")}
    assert disk == [("fsync", "ties.jsonl", sizes["ties.jsonl"]),
                    ("fsync", "unpaired.jsonl", sizes["unpaired.jsonl"]), ("fsync", ".", None)]


def test_a_new_label_folder_is_durable_in_its_parent(tmp_path, disk):
    """A label folder created on the first start (and any missing parent): each new folder's entry is
    fsynced in its parent, or a power cut could lose the folder with the labels acknowledged in it."""
    LabelStore(tmp_path / "a" / "labels")
    assert sorted(fsynced(disk)) == [".", "a"]
    disk.clear()
    LabelStore(tmp_path / "a" / "labels")  # already there: nothing to make durable
    assert disk == []


def test_cutting_a_torn_last_line_is_fsynced(tmp_path, disk):
    (tmp_path / "pairs.jsonl").write_text(json.dumps(ROW) + "\n" + '{"prompt": [{"ro')
    LabelStore(tmp_path)
    assert disk == [("fsync", "pairs.jsonl", len(json.dumps(ROW)) + 1)]


# ----------------------------------------------------------------------------- checkpoints

def _parts():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    return model, opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)


FILES = {"model.safetensors", "state.pt", "state.json"}


def _file_fsyncs(events):
    """file name → size when fsynced, for the files of the temporary checkpoint folder."""
    return {e[1].split("/")[-1]: e[2] for e in events if e[0] == "fsync" and "/TMP/" in e[1]}


def test_a_checkpoint_is_fsynced_file_by_file_then_its_folder_then_the_rename(tmp_path, disk):
    """First save: the three files (each whole), the temporary folder, its rename to checkpoint/, the run folder.
    Second save: the same, with the old checkpoint moved aside first and that rename fsynced too."""
    out = tmp_path / "run"
    out.mkdir()
    model, opt, sched = _parts()
    checkpoint.save(out, model, opt, sched, 1, {})
    sizes = {f: (out / "checkpoint" / f).stat().st_size for f in FILES}
    assert _file_fsyncs(disk[:3]) == sizes  # each file fsynced after its last byte was written
    assert disk[3:] == [("fsync", "run/TMP", None), ("replace", "run/TMP", "run/checkpoint"), ("fsync", "run", None)]

    disk.clear()
    checkpoint.save(out, model, opt, sched, 2, {})
    assert set(_file_fsyncs(disk[:3])) == FILES
    assert disk[3:] == [("fsync", "run/TMP", None),
                        ("replace", "run/checkpoint", "run/.checkpoint.old"), ("fsync", "run", None),
                        ("replace", "run/TMP", "run/checkpoint"), ("fsync", "run", None)]
    assert checkpoint.read_state(checkpoint.find(out))["step"] == 2


def test_a_checkpoint_into_a_new_folder_makes_the_folder_durable(tmp_path, disk):
    """The run folder a checkpoint is the first to create is fsynced into its parent before anything lands in it."""
    model, opt, sched = _parts()
    checkpoint.save(tmp_path / "a" / "run", model, opt, sched, 1, {})
    first_file = next(i for i, e in enumerate(disk) if e[1].startswith("a/run/TMP/"))
    assert sorted(fsynced(disk[:first_file])) == [".", "a"]


def test_an_atomic_text_file_is_fsynced_before_and_after_its_rename(tmp_path, disk):
    files.write_text_atomic(tmp_path / "metrics.jsonl", "x" * 10)
    assert disk == [("fsync", ".metrics.jsonl.tmp", 10), ("replace", ".metrics.jsonl.tmp", "metrics.jsonl"),
                    ("fsync", ".", None)]


# ----------------------------------------------------------------------------- the loop: run folder, fp16

class _Batch:
    n_units, n_tokens = 1, 4

    def __init__(self, i):
        g = torch.Generator().manual_seed(i)
        self.x, self.y = torch.randn(4, 8, generator=g), torch.randn(4, 4, generator=g)

    def to(self, device):
        return self


class _Regression:
    """A two-layer regression with ordinary gradients (loss ~1e-2): fp16 and fp32 give close grad norms."""

    def __init__(self):
        torch.manual_seed(0)
        self.model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4))

    def total_steps(self):
        return 3

    def micro_batch(self, i):
        return _Batch(i)

    def begin_step(self, model, batches):
        pass

    def step(self, model, batch):
        return ((model(batch.x).float() - batch.y) ** 2).sum() * 1e-2, {}

    def evaluate(self, model):
        return {}

    def save(self, model):
        pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def _train(tmp_path, name, dtype, **kw):
    run = RunConfig(output_dir=str(tmp_path / name), lr=1e-2, dtype=dtype, device="cpu", progress=False, warmup_steps=0,
                    schedule="constant", **kw)
    method = _Regression()
    loop.train(run, method, Runtime(torch.device("cpu"), {"fp32": torch.float32, "fp16": torch.float16}[dtype]))
    lines = [json.loads(l) for l in (tmp_path / name / "metrics.jsonl").read_text().splitlines()]
    return method.model, lines


def test_a_new_run_folder_is_durable_in_its_parent(tmp_path, disk):
    _train(tmp_path, "runs/first", "fp32", save_every=1)
    first_in_run = next(i for i, e in enumerate(disk) if e[1].startswith("runs/first/"))
    assert sorted(fsynced(disk[:first_in_run])) == [".", "runs"]
    assert checkpoint.find(tmp_path / "runs" / "first") is not None


def test_fp16_clips_unscaled_gradients_and_logs_the_fp32_grad_norm(tmp_path):
    """With grad_clip below the gradient norm (clipping active), fp16 under a GradScaler (scale 65536) logs the
    same grad norm as fp32 and takes the same steps. Clipping the scaled gradients would log a norm 65536x too
    big and shrink the update by as much."""
    m32, l32 = _train(tmp_path, "fp32", "fp32", grad_clip=0.05)
    m16, l16 = _train(tmp_path, "fp16", "fp16", grad_clip=0.05)
    assert [x["loss_scale"] for x in l16] == [65536.0] * 3  # no step skipped: all three are compared
    for a, b in zip(l32, l16):
        assert a["grad_norm"] > 0.05  # the clip was active
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=1e-2)
    for p, q in zip(m32.parameters(), m16.parameters()):
        assert torch.allclose(p, q, atol=1e-3)  # three AdamW steps of lr 1e-2 each, the same up to fp16 rounding


def test_update_unscales_before_it_clips(monkeypatch):
    """The order inside one update, with a recording scaler: unscale_, clip, step, update, whatever the dtype
    support of the machine."""
    calls = []

    class Scaler:
        def unscale_(self, opt):
            calls.append("unscale_")

        def get_scale(self):
            return 8.0

        def step(self, opt):
            calls.append("step")
            opt.step()

        def update(self):
            calls.append("update")

    def clip(params, max_norm):
        calls.append(("clip", max_norm))
        return torch.tensor(0.5)

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", clip)
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    r = SimpleNamespace(scaler=Scaler(), optimizer=opt, method=SimpleNamespace(model=model), run=SimpleNamespace(grad_clip=1.0),
                        scheduler=torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0), out=Path("."))
    assert loop.update(r, 0, 1.0) == (0.5, 8.0)
    assert calls == ["unscale_", ("clip", 1.0), "step", "update"]
