"""What every stage leaves in its output folder besides metrics.jsonl: model, config, model card."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from posttrain.config import to_dict
from posttrain.lora import save_adapter
from posttrain.models import save_model


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
    base, data = _origin(cfg)
    if hasattr(model, "posttrain_lora"):  # an adapter in PEFT's layout, beside the tokenizer
        save_adapter(model, out, base or None)
        if template:
            tokenizer.chat_template = template
        tokenizer.save_pretrained(out)
    else:
        save_model(model, tokenizer, out, template)
    (out / "config.yaml").write_text(f"# posttrain {stage} {out / 'config.yaml'}\n" + yaml.safe_dump(to_dict(cfg), sort_keys=False))
    last = {}
    metrics = out / "metrics.jsonl"
    if metrics.exists():
        lines = [json.loads(l) for l in metrics.read_text().splitlines() if l.strip()]
        last = {k: v for l in lines for k, v in l.items()}
    rows = "\n".join(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in last.items())
    (out / "README.md").write_text(
        f"# {out.name}\n\nTrained by `posttrain {stage}` from `{base or 'scratch'}` on `{data}`.\n\n"
        + (f"A LoRA adapter in PEFT's layout: `peft.PeftModel.from_pretrained(base, '{out}')`, or "
           f"`posttrain merge {base or 'BASE'} {out} MERGED` for a plain folder.\n\n" if hasattr(model, "posttrain_lora")
           else f"Load with `transformers.AutoModelForCausalLM.from_pretrained('{out}')`; the chat template is in the tokenizer.\n\n")
        + f"| final metric | value |\n|---|---|\n{rows}\n")
    return out
