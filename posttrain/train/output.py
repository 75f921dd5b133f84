"""What every stage leaves in its output folder besides metrics.jsonl: model, config, model card.

The files are written to a temporary folder inside the output folder and fsynced, then renamed
into place one by one with README.md (the model card) last; the old card is removed first: a
folder without README.md holds an unfinished save, and a run killed while saving redoes the save
on `resume=true` (the loop writes its last checkpoint first).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import yaml

from posttrain.core.config import to_dict
from posttrain.core.faults import point
from posttrain.nn.lora import save_adapter
from posttrain.model.hf import save_model
from posttrain.core.files import fsync

CARD = "README.md"
TMP_PREFIX = ".output.tmp."


def _origin(cfg) -> tuple[str, str]:
    """(what the stage started from, what it trained on) for the model card."""
    base = cfg.model.path if hasattr(cfg, "model") else ""
    if hasattr(cfg, "data"):
        data = cfg.data.train
    elif hasattr(cfg, "task"):
        data = f"task {cfg.task.name}"
    else:
        data = cfg.pretrain.corpus
    return base, data


def write_run_files(model, tokenizer, cfg, template: str | None, stage: str) -> Path:
    out = Path(cfg.run.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(TMP_PREFIX + "*"):  # left by a run killed while saving
        shutil.rmtree(stale, ignore_errors=True)
    (out / CARD).unlink(missing_ok=True)  # from here until the new card lands, the folder says "unfinished"
    fsync(out)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out))
    try:
        _write(tmp, out, model, tokenizer, cfg, template, stage)
        _publish(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _publish(tmp: Path, out: Path) -> None:
    """Durable files of `tmp` renamed into `out`, the model card last."""
    files = sorted(tmp.iterdir(), key=lambda f: f.name == CARD)
    for f in files:
        fsync(f)
    for f in files:
        os.replace(f, out / f.name)
        point("output.between_files")
    fsync(out)


def _write(tmp: Path, out: Path, model, tokenizer, cfg, template: str | None, stage: str) -> None:
    base, data = _origin(cfg)
    if hasattr(model, "posttrain_lora"):  # an adapter in PEFT's layout, beside the tokenizer
        save_adapter(model, tmp, base or None)
        if template:
            tokenizer.chat_template = template
        tokenizer.save_pretrained(tmp)
    else:
        save_model(model, tokenizer, tmp, template)
    (tmp / "config.yaml").write_text(f"# posttrain {stage} {out / 'config.yaml'}\n" + yaml.safe_dump(to_dict(cfg), sort_keys=False))
    last = {}
    metrics = out / "metrics.jsonl"
    if metrics.exists():
        lines = [json.loads(l) for l in metrics.read_text().splitlines() if l.strip()]
        last = {k: v for l in lines for k, v in l.items()}
    rows = "\n".join(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in last.items())
    (tmp / CARD).write_text(
        f"# {out.name}\n\nTrained by `posttrain {stage}` from `{base or 'scratch'}` on `{data}`.\n\n"
        + (f"A LoRA adapter in PEFT's layout: `peft.PeftModel.from_pretrained(base, '{out}')`, or "
           f"`posttrain merge {base or 'BASE'} {out} MERGED` for a plain folder.\n\n" if hasattr(model, "posttrain_lora")
           else f"Load with `transformers.AutoModelForCausalLM.from_pretrained('{out}')`; the chat template is in the tokenizer.\n\n")
        + f"| final metric | value |\n|---|---|\n{rows}\n")
