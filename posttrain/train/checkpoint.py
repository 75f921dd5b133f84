"""Resumable checkpoints, written atomically.

A checkpoint is a folder `checkpoint/` inside the run's output folder: `model.safetensors` (the
trainable weights), `state.pt` (optimizer, scheduler and RNG states: tensors and plain Python
values only, loaded with `weights_only=True`) and `state.json` (step, tokens seen). It is
written to a temporary folder and renamed into place, so a run killed mid-write keeps the
previous checkpoint whole.
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

NAME = "checkpoint"


def trainable_state(model) -> dict[str, torch.Tensor]:
    seen, out = set(), {}
    for name, p in model.named_parameters():
        if p.requires_grad and id(p) not in seen:
            seen.add(id(p))
            out[name] = p.detach().contiguous().cpu()
    return out


def save(out_dir: str | Path, model, optimizer, scheduler, step: int, extra: dict) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".checkpoint.", dir=out_dir))
    try:
        save_file(trainable_state(model), tmp / "model.safetensors")
        state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                 "torch_rng": torch.get_rng_state(), "python_rng": _py_rng_to_list(random.getstate())}
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        torch.save(state, tmp / "state.pt")
        (tmp / "state.json").write_text(json.dumps({"step": step, **extra}, indent=1))
        final = out_dir / NAME
        old = out_dir / f".{NAME}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        return final
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def find(out_dir: str | Path) -> Path | None:
    path = Path(out_dir) / NAME
    if (path / "state.json").exists():
        return path
    old = Path(out_dir) / f".{NAME}.old"  # killed between the two renames
    return old if (old / "state.json").exists() else None


def load(path: Path, model, optimizer, scheduler) -> dict:
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
    torch.set_rng_state(state["torch_rng"])
    random.setstate(_py_rng_from_list(state["python_rng"]))
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    return json.loads((path / "state.json").read_text())


def _py_rng_to_list(state):
    return [state[0], list(state[1]), state[2]]


def _py_rng_from_list(state):
    return (state[0], tuple(state[1]), state[2])
