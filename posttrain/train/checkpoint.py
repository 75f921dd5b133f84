"""Resumable checkpoints, written atomically and durably.

A checkpoint is a folder `checkpoint/` inside the run's output folder: `model.safetensors` (the
trainable weights), `state.pt` (optimizer, scheduler, gradient scaler and RNG states: tensors and
plain Python values only, loaded with `weights_only=True`) and `state.json` (step, tokens seen,
metrics lines written, the config fingerprint, the method's running state). It is written to a
temporary folder, every file and the folder are fsynced, and only then renamed into place (the
previous checkpoint moved aside first and removed last), so a run killed at any instant, or a
machine losing power, keeps one whole checkpoint: `find` returns it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from posttrain.core.faults import point
from posttrain.core.files import fsync, make_dirs

NAME = "checkpoint"
OLD = f".{NAME}.old"
TMP_PREFIX = f".{NAME}.tmp."


def trainable_state(model) -> dict[str, torch.Tensor]:
    seen, out = set(), {}
    for name, p in model.named_parameters():
        if p.requires_grad and id(p) not in seen:
            seen.add(id(p))
            out[name] = p.detach().contiguous().cpu()
    return out


def _write(tmp: Path, model, optimizer, scheduler, scaler, step: int, extra: dict) -> None:
    save_file(trainable_state(model), tmp / "model.safetensors")
    point("checkpoint.between_files")
    state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
             "torch_rng": torch.get_rng_state(), "python_rng": _py_rng_to_list(random.getstate())}
    if scaler is not None:
        state["scaler"] = scaler.state_dict()
    if torch.cuda.is_available():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    torch.save(state, tmp / "state.pt")
    point("checkpoint.between_files")
    (tmp / "state.json").write_text(json.dumps({"step": step, **extra}, indent=1))
    for f in tmp.iterdir():
        fsync(f)
    fsync(tmp)


def save(out_dir: str | Path, model, optimizer, scheduler, step: int, extra: dict, scaler=None) -> Path:
    out_dir = Path(out_dir)
    make_dirs(out_dir)
    for stale in out_dir.glob(TMP_PREFIX + "*"):  # left by a run killed while writing
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir))
    try:
        _write(tmp, model, optimizer, scheduler, scaler, step, extra)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    point("checkpoint.before_rename")
    final, old = out_dir / NAME, out_dir / OLD
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        fsync(out_dir)
        point("checkpoint.between_renames")
    # with no `final`, `old` may be the only whole checkpoint (a write was killed between the renames): keep it
    os.replace(tmp, final)
    fsync(out_dir)
    point("checkpoint.before_cleanup")
    shutil.rmtree(old, ignore_errors=True)
    return final


def find(out_dir: str | Path) -> Path | None:
    path = Path(out_dir) / NAME
    if (path / "state.json").exists():
        return path
    old = Path(out_dir) / OLD  # killed between the two renames
    return old if (old / "state.json").exists() else None


def read_state(path: Path) -> dict:
    """The checkpoint's state.json: step, tokens, metrics lines, config fingerprint, method state."""
    return json.loads((path / "state.json").read_text())


def load(path: Path, model, optimizer, scheduler, scaler=None) -> dict:
    weights = load_file(path / "model.safetensors")
    params = dict(model.named_parameters())
    missing = [k for k in weights if k not in params]
    if missing:
        raise ValueError(f"{path}: checkpoint has weights the model lacks: {missing[:3]}")
    with torch.no_grad():
        for k, v in weights.items():
            params[k].copy_(v)
    state = torch.load(path / "state.pt", weights_only=True, map_location="cpu")
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    if scaler is not None and "scaler" in state:
        scaler.load_state_dict(state["scaler"])
    torch.set_rng_state(state["torch_rng"])
    random.setstate(_py_rng_from_list(state["python_rng"]))
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    return read_state(path)


def _py_rng_to_list(state):
    return [state[0], list(state[1]), state[2]]


def _py_rng_from_list(state):
    return (state[0], tuple(state[1]), state[2])
